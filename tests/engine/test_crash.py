"""A worker killed with SIGKILL mid-batch: the batch ends exactly once, as if undisturbed.

Real processes on real databases. The echo items sleep so the kill lands while the batch's
transaction is open; its writes must vanish, and the retry must apply them once.
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
from pathlib import Path

import pytest

from sellers_center.db import Database
from sellers_center.runtime import Runtime
from tests.engine.helpers import batch_row, effects, result, submit
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = [BOTH_BACKENDS, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
# Five items of 0.3 s: the batch's transaction stays open for 1.5 s.
SLOW_BATCH = {"items": [{"value": f"item-{n}", "sleep": 0.3} for n in range(5)]}
# Bounded waits so a broken engine fails the test instead of hanging it.
WAIT_SECONDS = 60


class WorkerProcesses:
    def __init__(self, database_url: str, log_folder: Path) -> None:
        self.database_url = database_url
        self.log_folder = log_folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": self.database_url,
            "SELLERS_CENTER_LEASE_SECONDS": str(LEASE_SECONDS),
            "SELLERS_CENTER_MAINTENANCE_INTERVAL_SECONDS": "0.2",
            "SELLERS_CENTER_WORKER_POLL_SECONDS": "0.1",
            "SELLERS_CENTER_WORKER_CONCURRENCY": "2",
            "SELLERS_CENTER_MAX_ATTEMPTS": "5",
        }
        with (self.log_folder / f"worker-{len(self.started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.engine.run_worker"],
                cwd=REPOSITORY,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


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
        await asyncio.sleep(0.05)
    raise AssertionError(f"batch {batch_id} never reached {wanted}")


async def test_batch_survives_its_worker_being_killed(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey, workers: WorkerProcesses
) -> None:
    database = runtime.database
    killed_id = await submit(database, seller.seller_id, SLOW_BATCH, runtime.clock.now())
    first = workers.start()
    await wait_for_status(database, killed_id, {"processing"})
    await asyncio.sleep(0.8)  # mid-batch: some items done inside the open transaction

    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    row = await batch_row(database, killed_id)
    assert (row.status, row.attempts) == ("processing", 1)
    assert await effects(database, killed_id) == []

    second = workers.start()
    assert await wait_for_status(database, killed_id, {"completed", "failed"}) == "completed"
    undisturbed_id = await submit(database, other_seller.seller_id, SLOW_BATCH, runtime.clock.now())
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

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0


async def test_a_second_sigterm_gives_held_batches_back_at_once(
    runtime: Runtime, seller: SellerKey, workers: WorkerProcesses
) -> None:
    database = runtime.database
    batch_id = await submit(database, seller.seller_id, SLOW_BATCH, runtime.clock.now())
    process = workers.start()
    await wait_for_status(database, batch_id, {"processing"})

    process.send_signal(signal.SIGTERM)  # finish what you hold...
    await asyncio.sleep(0.2)
    process.send_signal(signal.SIGTERM)  # ...no: give it back now
    assert process.wait(timeout=10) == 0

    row = await batch_row(database, batch_id)
    # Claimable again at once, the interrupted attempt not counted, nothing applied.
    assert (row.status, row.attempts, row.lease_owner) == ("retry", 0, None)
    assert await effects(database, batch_id) == []
