"""Watching real processes from a test: bounded waits, their JSON logs, their state in /proc."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tests.e2e.server import POLL_INTERVAL_SECONDS
from tests.production.processes import Process

T = TypeVar("T")

# A bound, not an expectation.
WAIT_SECONDS = 30
SERVER_STARTED = re.compile(r"Started server process \[(\d+)\]")
STARTUP_COMPLETE = "Application startup complete."


def wait_for(check: Callable[[], T | None], what: str, seconds: float = WAIT_SECONDS) -> T:
    """Call ``check`` until it returns something other than None, within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(POLL_INTERVAL_SECONDS)
    raise AssertionError(f"{what}: not reached within {seconds} s")


def wait_until(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    wait_for(lambda: True if condition() else None, what, seconds)


def log_entries(process: Process) -> list[dict[str, object]]:
    """The JSON lines of a process's log (anything else it printed is skipped)."""
    entries = []
    for line in process.log().splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


def log_messages(process: Process) -> list[str]:
    return [str(entry.get("message", "")) for entry in log_entries(process)]


def started_server_pids(process: Process) -> set[int]:
    """The pids of uvicorn's "Started server process [PID]" lines."""
    started = (SERVER_STARTED.fullmatch(message) for message in log_messages(process))
    return {int(found.group(1)) for found in started if found}


def process_state(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) from /proc, or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    # The command name, in parentheses, may hold spaces: the fields after it are plain.
    state, parent = stat.rsplit(")", 1)[1].split()[:2]
    return state, int(parent)


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an exited process nobody has reaped yet runs no code)."""
    state = process_state(pid)
    return state is not None and state[0] not in ("Z", "X")


def children_of(pid: int) -> set[int]:
    """The processes whose parent is ``pid``, now."""
    children = set()
    for entry in Path("/proc").iterdir():
        state = process_state(int(entry.name)) if entry.name.isdigit() else None
        if state is not None and state[1] == pid:
            children.add(int(entry.name))
    return children
