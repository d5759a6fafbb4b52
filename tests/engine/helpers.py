"""Reading the engine's state straight from the database, for assertions."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import func, select

from sellers_center.db import Database
from sellers_center.db.tables import Batch
from sellers_center.engine import service
from tests.engine.echo_kind import EFFECTS

# Bounds on waiting for background work, never expectations of speed.
WAIT_SECONDS = 20


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``check`` holds; fail after WAIT_SECONDS."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


async def submit(
    database: Database, seller_id: int, body: bytes | Mapping[str, Any], now: Any
) -> uuid.UUID:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    items = json.loads(raw)["items"]
    async with database.write_session.begin() as session:
        submission = await service.submit(
            session, kind="echo", seller_id=seller_id, body=raw, item_count=len(items), now=now
        )
    return submission.batch_id


async def batch_row(database: Database, batch_id: uuid.UUID) -> Batch:
    async with database.read_session() as session:
        return (await session.execute(select(Batch).where(Batch.id == batch_id))).scalar_one()


async def result(database: Database, seller_id: int, batch_id: uuid.UUID) -> dict[str, Any]:
    async with database.read_session() as session:
        view = await service.read_result(
            session, kind="echo", seller_id=seller_id, batch_id=batch_id
        )
    return dict(json.loads(view.to_json()))


async def effects(database: Database, batch_id: uuid.UUID) -> list[tuple[int, str]]:
    statement = (
        select(EFFECTS.c.position, EFFECTS.c.value)
        .where(EFFECTS.c.batch_id == str(batch_id))
        .order_by(EFFECTS.c.id)
    )
    async with database.read_session() as session:
        return [(row.position, row.value) for row in await session.execute(statement)]


async def applied_values(database: Database, batch_id: uuid.UUID) -> list[str]:
    """The values the echo kind wrote for a batch, in the order it wrote them."""
    return [value for _, value in await effects(database, batch_id)]


async def batch_count(database: Database) -> int:
    async with database.read_session() as session:
        return (await session.execute(select(func.count()).select_from(Batch))).scalar_one()
