"""A standalone worker killed with SIGKILL in the middle of a delivery loses no event: once its
lease runs out, another worker delivers it. Real processes on real databases; the receiver holds
the first request open, so the kill lands mid-delivery however busy the machine is."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from sellers_center.db.tables import WebhookDelivery
from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from tests.command_line import SCRIPT
from tests.support import BOTH_BACKENDS, SellerKey, kill_process_group
from tests.webhooks.helpers import subscribe
from tests.webhooks.receiver import Receiver

pytestmark = [BOTH_BACKENDS, pytest.mark.slow]

TIMEOUT_SECONDS = 5  # the lease is twice this and 5 s: 15 s
# Bounded waits: a worker's start (~2 s), then the lease's expiry, on a loaded machine.
START_SECONDS = 60
REDELIVERY_SECONDS = 90


class Workers:
    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": self.database_url,
            "SELLERS_CENTER_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "SELLERS_CENTER_WEBHOOK_ALLOWED_HTTP_HOSTS": '["127.0.0.1"]',
            "SELLERS_CENTER_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "SELLERS_CENTER_WEBHOOK_POLL_SECONDS": "0.1",
            "SELLERS_CENTER_LOG_FORMAT": "text",
        }
        log = (self.folder / f"worker-{len(self.started)}.log").open("wb")
        with log:
            process = subprocess.Popen(
                [str(SCRIPT), "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole
            )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            kill_process_group(process, timeout=10)


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    running = Workers(database_url, tmp_path)
    yield running
    running.stop_all()


async def test_an_event_survives_its_worker_being_killed_mid_delivery(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    workers: Workers,
) -> None:
    await subscribe(client, seller, receiver.url("/killed"), ["batch.completed"])
    receiver.hold("/killed")
    async with runtime.unit.write() as session:
        event_id = await webhooks.emit(
            session, seller.seller_id, "batch.completed", {"n": 1}, datetime.now(UTC)
        )

    first = workers.start()
    await receiver.wait_for("/killed", arrived=True, seconds=START_SECONDS)
    kill_process_group(first, timeout=10)
    receiver.release()  # the killed worker's request is answered into a closed connection
    workers.start()
    await receiver.wait_for("/killed", 2, seconds=REDELIVERY_SECONDS)

    killed, delivered = receiver.at("/killed")
    assert killed.payload["id"] == delivered.payload["id"] == str(event_id)
    assert killed.headers["webhook-id"] == delivered.headers["webhook-id"]
    assert await recorded(runtime) == [("delivered", 2)]


async def recorded(runtime: Runtime) -> list[tuple[str, int]]:
    """The deliveries' status and attempts once none is pending (the worker records an answer
    just after the receiver sent it), bounded."""
    async with asyncio.timeout(START_SECONDS):
        while True:
            async with runtime.unit.read() as session:
                rows = (await session.execute(select(WebhookDelivery))).scalars().all()
                found = [(row.status, row.attempts) for row in rows]
            if all(status != "pending" for status, _ in found):
                return found
            await asyncio.sleep(0.05)
