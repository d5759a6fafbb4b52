"""Which tests start real processes, and keeping them apart (a plugin of the root conftest).

- Every test under ``tests/production/`` starts processes of the production profile: it is
  marked ``slow`` and ``postgres`` here, at collection (a conftest's ``pytestmark`` is ignored).
- A test that starts a process (a server, a worker, the CLI, a redis-server) without the ``slow``
  mark fails, naming itself: ``make test-fast`` (``-m "not slow"``) must stay free of them.

``make test`` runs the other tests on one pytest worker per core (pytest-xdist), then the slow
ones, also on one worker per core: most of their time is spent waiting for processes to start
and for timeouts to pass, and their bounds allow for a neighbour (the suite of 44 ran in 6 min
20 s on two workers beside a benchmark, load average 4 to 8, against 8 min 5 s one at a time on
an idle machine). The tests of the production profile come first, the longest (chaos) first of
all, then the in-process tests marked ``long`` (tens of seconds each), so that they start early
(``--dist worksteal`` gives each worker a slice of this order; an idle worker takes tests from
the end of another's) rather than last.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from pathlib import Path

import pytest

PRODUCTION = Path(__file__).parent / "production"
# Audit events raised when the interpreter starts another program or forks.
PROCESS_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.fork", "os.forkpty", "os.posix_spawn", "os.exec"}
)

_running: list[pytest.Item] = []  # the test whose set-up, call or teardown runs now


class UnmarkedProcessError(RuntimeError):
    """A test not marked ``slow`` started a process: ``make test-fast`` would run it."""


def _refuse_processes_in_fast_tests(event: str, _arguments: tuple[object, ...]) -> None:
    if event in PROCESS_EVENTS and _running and _running[-1].get_closest_marker("slow") is None:
        raise UnmarkedProcessError(
            f"{_running[-1].nodeid} starts a process ({event}) but is not marked slow: "
            "mark it @pytest.mark.slow, or drive the code in-process"
        )


# Added once per pytest process (audit hooks cannot be removed; the check is a set lookup).
sys.addaudithook(_refuse_processes_in_fast_tests)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


# First: the selection by -m (a hook of pytest's mark plugin) must see these marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(PRODUCTION):
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)
    items.sort(  # stable
        key=lambda item: (
            not item.path.is_relative_to(PRODUCTION),
            item.get_closest_marker("long") is None,
        )
    )
