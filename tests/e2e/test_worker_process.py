"""``serve``'s worker processes on SQLite: woken by the API's datagrams, each started again
when it dies, stopped by ``serve`` alone when its whole process group is told to stop.

Idle workers poll only every 300 s here, so a batch finished within the wait below was
claimed because the API woke the worker, not because a poll found it.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest

from sellers_center.cli.worker_process import WorkerProcess, WorkerStartError
from tests.e2e.server import Server, running_server
from tests.production.observation import children_of, is_running, wait_for, wait_until

pytestmark = pytest.mark.slow

STARTED = re.compile(r"Started worker process \[(\d+)\]")
SETTINGS = {
    "SELLERS_CENTER_WORKER_POLL_SECONDS": "300",
    "SELLERS_CENTER_EMBEDDED_WORKER_PROCESSES": "2",
}
# Bounds, not expectations: far below the poll interval above.
FINAL_SECONDS = 30
# Under the results endpoint's 200 calls a minute.
POLL_SECONDS = 0.2
STOP_SECONDS = 30


def worker_pids(server: Server) -> list[int]:
    """The worker processes serve started, in order."""
    return [int(pid) for pid in STARTED.findall(server.stderr())]


def submit_and_wait(client: httpx.Client, sku: str) -> dict[str, object]:
    """A stock batch (its SKU unknown: the batch completes with an item error), final."""
    response = client.put("/api/v1/products/stocks", json={"items": [{"sku": sku, "quantity": 1}]})
    assert response.status_code == 200, response.text
    batch_id = response.json()["batchRequestId"]
    deadline = time.monotonic() + FINAL_SECONDS
    while time.monotonic() < deadline:
        result = client.get("/api/v1/results/stocks", params={"batch_request_id": batch_id})
        assert result.status_code == 200, result.text
        body: dict[str, object] = result.json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(POLL_SECONDS)
    pytest.fail(f"batch {batch_id} not final in {FINAL_SECONDS} s")


def test_the_worker_processes_are_woken_restarted_and_stopped_with_serve(tmp_path: Path) -> None:
    with running_server(tmp_path, settings=SETTINGS) as server:
        first, second = wait_for(
            lambda: found if len(found := worker_pids(server)) == 2 else None,
            "two worker processes started",
        )
        assert {first, second} <= set(children_of(server.process.pid))
        with server.client(server.demo_key()) as client:
            # The first batch may be found by a worker's first claim; once it is final the
            # workers are idle until woken, so the others are claimed only if the API woke
            # them (each notify wakes the next worker process).
            for sku in ("UNKNOWN-1", "UNKNOWN-2", "UNKNOWN-3"):
                assert submit_and_wait(client, sku)["status"] == "completed"

            os.kill(first, signal.SIGKILL)
            pids = wait_for(
                lambda: found if len(found := worker_pids(server)) == 3 else None,
                "the worker process started again",
            )
            assert pids[:2] == [first, second], pids
            assert pids[2] not in (first, second), pids
            assert "the worker process ended unasked (exit code -9)" in server.stderr()
            for sku in ("UNKNOWN-4", "UNKNOWN-5", "UNKNOWN-6"):
                assert submit_and_wait(client, sku)["status"] == "completed"
            # Until it has a session of its own, a starting worker process is still in serve's
            # process group, and the signal below would reach it too.
            wait_until(lambda: os.getsid(pids[2]) == pids[2], "the new worker process started")

        # To the whole process group, as systemd or a terminal does: the worker processes, in
        # sessions of their own, are stopped by serve alone, once, and not started again.
        os.killpg(server.process.pid, signal.SIGTERM)
        assert server.process.wait(STOP_SECONDS) == 0, server.stderr()
        wait_until(
            lambda: not any(is_running(pid) for pid in pids[1:]),
            "the worker processes gone",
            STOP_SECONDS,
        )
        assert worker_pids(server) == pids, "no worker process is started while serve stops"
        assert server.stderr().count("ended unasked") == 1, server.stderr()


def exit_while_starting(socket_path: str | None, ready: Connection) -> None:
    """A worker process that fails before it is ready (a broken installation, say)."""
    sys.exit(3)


def test_a_worker_process_that_ends_while_starting_is_an_error_not_a_restart_loop() -> None:
    process = WorkerProcess(None, stop_seconds=STOP_SECONDS, target=exit_while_starting)
    try:
        with pytest.raises(WorkerStartError, match=r"ended while starting \(exit code 3\)"):
            process.start()
    finally:
        process.stop()


def ready_then_stopped(socket_path: str | None, ready: Connection) -> None:
    """A worker process that is stopped by someone other than serve once it is ready."""
    ready.send_bytes(b"ready")
    ready.close()


def test_a_worker_process_stopped_by_someone_else_is_not_started_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="sellers_center.cli.worker_process")
    process = WorkerProcess(None, stop_seconds=STOP_SECONDS, target=ready_then_stopped)
    try:
        process.start()
        wait_until(lambda: "was stopped (exit code 0)" in caplog.text, "the stop noticed")
    finally:
        process.stop()
    assert caplog.text.count("Started worker process") == 1, caplog.text
