"""``serve --workers N`` under its supervisor: it comes up when its API processes start slowly
(uvicorn killed any API process that had not answered its health check within 5 s, and on a
loaded machine did so 17 times in 95 s without ever answering), and its API processes end when
the supervisor is killed outright (a failed test run once left two running for 20 minutes).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.e2e.server import REQUEST_TIMEOUT_SECONDS
from tests.production.observation import (
    STARTUP_COMPLETE,
    children_of,
    is_running,
    log_messages,
    started_server_pids,
    wait_until,
)
from tests.production.processes import Cluster, Process, cluster, seller_key

API_PROCESSES = 2
BRANDS_ROUTE = "/api/v1/brands"
# An orphaned API process stops gracefully: requests in flight and held batches get their grace.
ORPHAN_EXIT_SECONDS = 60
# Longer than uvicorn's own health-check timeout (5 s), like a start on a loaded machine.
SLOW_START_SECONDS = 6
SLOW_START = f"""# Each API process of serve --workers N starts slowly, as on a loaded machine.
import sys
import time

if "--multiprocessing-fork" in sys.orig_argv:
    time.sleep({SLOW_START_SECONDS})
"""


def start_two_api_processes(running: Cluster, extra: dict[str, str] | None = None) -> Process:
    """``serve --workers 2`` with both API processes past their start-up."""
    serve = running.start_api("serve", workers=API_PROCESSES, embedded_worker=True, extra=extra)
    wait_until(
        lambda: log_messages(serve).count(STARTUP_COMPLETE) >= API_PROCESSES,
        f"{API_PROCESSES} '{STARTUP_COMPLETE}' lines in {serve.log_path}",
    )
    return serve


def test_serve_with_two_workers_comes_up_when_its_processes_start_slowly(
    production_database: str, redis_url: str, tmp_path: Path
) -> None:
    site = tmp_path / "slow-start"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_START, encoding="utf-8")
    with cluster(tmp_path, production_database, redis_url) as running:
        search_path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        serve = start_two_api_processes(running, extra={"PYTHONPATH": search_path})
        key = seller_key(running, "slow-start")
        assert serve.base_url is not None
        brands = httpx.get(
            f"{serve.base_url}{BRANDS_ROUTE}/",
            headers={"X-API-Key": key},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        started = started_server_pids(serve)
        messages = log_messages(serve)

    assert brands.status_code == 200, brands.text
    # Each API process started once: none was killed for being slow and started again.
    assert len(started) == API_PROCESSES, messages
    assert [message for message in messages if message.startswith("Child process")] == []


def test_api_processes_end_when_serve_is_killed_outright(
    production_database: str, redis_url: str, tmp_path: Path
) -> None:
    with cluster(tmp_path, production_database, redis_url) as running:
        serve = start_two_api_processes(running)
        api_pids = started_server_pids(serve)
        children = children_of(serve.popen.pid)
        assert len(api_pids) == API_PROCESSES
        assert api_pids <= children, (api_pids, children)

        serve.kill()  # SIGKILL: the supervisor gets no chance to stop them itself

        wait_until(
            lambda: not any(is_running(pid) for pid in children),
            f"children {sorted(children)} of the killed serve gone",
            ORPHAN_EXIT_SECONDS,
        )
