"""Webhook writes racing each other on PostgreSQL, where transactions run concurrently: an event
emitted while its subscription is deleted, a seller's creates beyond its limit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sellers_center.runtime import Runtime
from sellers_center.webhooks import queue, repository
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.rules import MAX_SUBSCRIPTIONS
from tests.support import SellerKey
from tests.webhooks.helpers import subscribe
from tests.webhooks.receiver import POLL_SECONDS, WAIT_SECONDS

POSTGRESQL = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
HOOK = "http://127.0.0.1:9/hooks"


async def waiting_on_a_lock(runtime: Runtime) -> int:
    """How many sessions of this database wait for a lock."""
    async with runtime.unit.read() as session:
        statement = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int((await session.execute(statement)).scalar_one())


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Polls ``condition``: a lock wait is seen only in pg_stat_activity."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            if await condition():
                return
            await asyncio.sleep(POLL_SECONDS)


@POSTGRESQL
async def test_a_subscription_deleted_while_an_event_is_emitted_fails_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = await subscribe(client, seller, HOOK, ["batch.completed"])
    read, proceed = asyncio.Event(), asyncio.Event()
    insert_event = repository.insert_event

    async def paused_insert_event(*args: Any) -> None:
        """Between emit's read of the subscriptions and its insert of the deliveries."""
        await insert_event(*args)
        read.set()
        await proceed.wait()

    monkeypatch.setattr(repository, "insert_event", paused_insert_event)

    async def emitting() -> uuid.UUID | None:
        async with runtime.unit.write() as session:
            return await webhooks.emit(
                session, seller.seller_id, "batch.completed", "m", runtime.clock.now()
            )

    emitted = asyncio.create_task(emitting())
    async with asyncio.timeout(WAIT_SECONDS):
        await read.wait()
    deleted = asyncio.create_task(
        client.delete(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)
    )

    async def delete_done_or_waiting() -> bool:
        return deleted.done() or await waiting_on_a_lock(runtime) > 0

    await until(delete_done_or_waiting)
    proceed.set()

    assert await emitted is not None
    assert (await deleted).status_code == 204
    async with runtime.unit.read() as session:
        assert await queue.pending_backlog(session) == (0, None)


@POSTGRESQL
async def test_concurrent_creates_stay_within_the_limit(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    async def create() -> int:
        response = await client.post(
            "/api/v1/webhooks/",
            json={"events": ["batch.completed"], "url": HOOK},
            headers=seller.headers,
        )
        return response.status_code

    codes = await asyncio.gather(*(create() for _ in range(MAX_SUBSCRIPTIONS + 5)))

    assert sorted(codes) == [201] * MAX_SUBSCRIPTIONS + [409] * 5
    listed = await client.get("/api/v1/webhooks/", headers=seller.headers)
    assert len(listed.json()) == MAX_SUBSCRIPTIONS
