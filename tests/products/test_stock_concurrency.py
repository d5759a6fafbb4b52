"""Two reservations of the last unit at once: one waits for the other's row lock, then finds
too few units and takes nothing (PostgreSQL; SQLite's writers take turns anyway)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.engine.helpers import eventually
from tests.products.test_stock_verbs import quantities, reserve, two_variants
from tests.support import SellerKey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]
__all__ = ["two_variants"]  # the fixture, used by name


async def waiting_for_a_lock(runtime: Runtime) -> bool:
    # A session of its own, not the unit's (which would reuse the test's open transaction,
    # and PostgreSQL shows one transaction a single snapshot of pg_stat_activity).
    async with runtime.database.read_session() as session:
        waiting = await session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return bool(waiting.scalar_one())


async def test_two_reservations_of_the_last_unit_at_once_leave_one_short(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_variants: None
) -> None:
    now = runtime.clock.now()
    async with runtime.unit.write() as first:
        assert await products.reserve_stock(first, seller.seller_id, {"JKT-1-M": 1}, now) == []
        second = asyncio.create_task(reserve(runtime, seller, {"JKT-1-M": 1}))
        await eventually(lambda: waiting_for_a_lock(runtime))

    assert await second == ["JKT-1-M"]
    assert await quantities(client, seller) == {"JKT-1-S": 5, "JKT-1-M": 0}
