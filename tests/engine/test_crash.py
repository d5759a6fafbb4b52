"""A worker killed with SIGKILL mid-batch: the batch ends exactly once, as if undisturbed.

Real processes on real databases. The first worker holds the batch's transaction open after
applying some items (``run_worker`` logs when it does), so the kill lands mid-batch however busy
the machine is; its writes must vanish, and the retry must apply them once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sellers_center.db import Database
from sellers_center.runtime import Runtime
from tests.engine.helpers import batch_row, effects, result, submit
from tests.engine.run_worker import HOLD_VARIABLE, HOLDING_LINE
from tests.support import BOTH_BACKENDS, SellerKey, kill_process_group

pytestmark = [BOTH_BACKENDS, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
BATCH = {"items": [{"value": f"item-{n}"} for n in range(5)]}
APPLIED_BEFORE_THE_KILL = 2
# Bounded waits so a broken engine fails the test instead of hanging it.
WAIT_SECONDS = 60
POLL_SECONDS = 0.05
# What a standalone worker logs on its first SIGTERM (sellers_center.engine.shutdown).
FINISHING_LINE = "stopping: finishing the batches in hand"
# Longer than any wait here: a worker that exits did so because of the second signal.
SHUTDOWN_GRACE_SECONDS = 300


class WorkerProcesses:
    def __init__(self, database_url: str, log_folder: Path) -> None:
        self.database_url = database_url
        self.log_folder = log_folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, hold_after_items: int | None = None) -> Worker:
        """A worker process; with ``hold_after_items`` it stops inside its first batch."""
        env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": self.database_url,
            "SELLERS_CENTER_LEASE_SECONDS": str(LEASE_SECONDS),
            "SELLERS_CENTER_MAINTENANCE_INTERVAL_SECONDS": "0.2",
            "SELLERS_CENTER_WORKER_POLL_SECONDS": "0.1",
            "SELLERS_CENTER_WORKER_CONCURRENCY": "2",
            "SELLERS_CENTER_MAX_ATTEMPTS": "5",
            "SELLERS_CENTER_SHUTDOWN_GRACE_SECONDS": str(SHUTDOWN_GRACE_SECONDS),
        }
        if hold_after_items is not None:
            env[HOLD_VARIABLE] = str(hold_after_items)
        log_path = self.log_folder / f"worker-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.engine.run_worker"],
                cwd=REPOSITORY,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole at the end
            )
        self.started.append(process)
        return Worker(process, log_path)

    def stop_all(self) -> None:
        for process in self.started:
            kill_process_group(process, timeout=10)


@dataclass(frozen=True)
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def logged(self, line: str) -> None:
        """Wait (bounded) until the worker has logged ``line``; fail if it exits first."""
        async with asyncio.timeout(WAIT_SECONDS):
            while line not in self.log():
                assert self.process.poll() is None, f"the worker exited:\n{self.log()}"
                await asyncio.sleep(POLL_SECONDS)


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(database_url, tmp_path)
    yield processes
    processes.stop_all()


async def wait_for_status(database: Database, batch_id: uuid.UUID, wanted: set[str]) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status = (await batch_row(database, batch_id)).status
        if status in wanted:
            return status
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"batch {batch_id} never reached {wanted}")


async def test_batch_survives_its_worker_being_killed(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey, workers: WorkerProcesses
) -> None:
    database = runtime.database
    killed_id = await submit(database, seller.seller_id, BATCH, runtime.clock.now())
    first = workers.start(hold_after_items=APPLIED_BEFORE_THE_KILL)
    await first.logged(HOLDING_LINE)  # mid-batch: some items applied in the open transaction

    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(timeout=10) == -signal.SIGKILL
    row = await batch_row(database, killed_id)
    assert (row.status, row.attempts) == ("processing", 1)
    assert await effects(database, killed_id) == []

    second = workers.start()
    assert await wait_for_status(database, killed_id, {"completed", "failed"}) == "completed"
    undisturbed_id = await submit(database, other_seller.seller_id, BATCH, runtime.clock.now())
    await wait_for_status(database, undisturbed_id, {"completed", "failed"})

    killed = await result(database, seller.seller_id, killed_id)
    undisturbed = await result(database, other_seller.seller_id, undisturbed_id)
    assert killed["items"] == undisturbed["items"]
    assert [item["success"] for item in killed["items"]] == [True] * 5
    applied = [(n, f"item-{n}") for n in range(5)]
    assert await effects(database, killed_id) == applied
    assert await effects(database, undisturbed_id) == applied
    assert (await batch_row(database, killed_id)).attempts == 2
    assert (await batch_row(database, undisturbed_id)).attempts == 1

    second.process.send_signal(signal.SIGTERM)
    assert second.process.wait(timeout=15) == 0


async def test_a_second_sigterm_gives_held_batches_back_at_once(
    runtime: Runtime, seller: SellerKey, workers: WorkerProcesses
) -> None:
    database = runtime.database
    batch_id = await submit(database, seller.seller_id, BATCH, runtime.clock.now())
    worker = workers.start(hold_after_items=APPLIED_BEFORE_THE_KILL)
    await worker.logged(HOLDING_LINE)

    worker.process.send_signal(signal.SIGTERM)  # finish what you hold...
    await worker.logged(FINISHING_LINE)
    worker.process.send_signal(signal.SIGTERM)  # ...no: give it back now
    assert worker.process.wait(timeout=WAIT_SECONDS) == 0

    row = await batch_row(database, batch_id)
    # Claimable again at once, the interrupted attempt not counted, nothing applied.
    assert (row.status, row.attempts, row.lease_owner) == ("retry", 0, None)
    assert await effects(database, batch_id) == []
