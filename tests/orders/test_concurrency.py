"""Concurrent placements of the last units never oversell (PostgreSQL; SQLite's writers take
turns anyway): placements held up behind one that holds the variant's row take what is left
when it commits, and the others are refused with nothing taken."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
from sqlalchemy import text

from sellers_center.errors import InvalidInputError
from sellers_center.orders import service as orders
from sellers_center.orders.customer import plausible_customer
from sellers_center.orders.order import FulfillmentType, Order
from sellers_center.runtime import Runtime
from tests.engine.helpers import eventually
from tests.orders.helpers import MEDIUM, SMALL, active_jackets, quantity, stored_statuses
from tests.support import SellerKey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]

# Fewer than the pool's 10 connections, with one held by the first placement.
CONTENDERS = 8


def request(seller: SellerKey, units: dict[str, int]) -> orders.OrderRequest:
    customer = plausible_customer("DE", random.Random(1))
    return orders.OrderRequest(
        seller.seller_id, units, "DE", FulfillmentType.DROPSHIPPING, customer
    )


async def placed(runtime: Runtime, seller: SellerKey, units: dict[str, int]) -> Order | str:
    """The order, or the refusal's message."""
    try:
        async with runtime.unit.write() as session:
            catalog = await runtime.catalog.get(session)
            return await orders.place_order(
                session, catalog, request(seller, units), runtime.clock.now()
            )
    except InvalidInputError as refusal:
        return refusal.message


async def waiting_for_locks(runtime: Runtime) -> int:
    # A session of its own: the unit would reuse the test's open transaction.
    async with runtime.database.read_session() as session:
        waiting = await session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(waiting.scalar_one())


async def test_parallel_placements_of_the_last_units_never_oversell(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(client, runtime, seller)
    async with runtime.unit.write() as first:
        catalog = await runtime.catalog.get(first)
        await orders.place_order(first, catalog, request(seller, {SMALL: 1}), runtime.clock.now())
        contenders = [
            asyncio.create_task(placed(runtime, seller, {SMALL: 1})) for _ in range(CONTENDERS)
        ]

        async def all_waiting() -> bool:
            return await waiting_for_locks(runtime) == CONTENDERS

        await eventually(all_waiting)

    outcomes = await asyncio.gather(*contenders)

    orders_placed = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert len(orders_placed) == 4
    assert refusals == [
        f"Order refused: Product {SMALL} is out of stock: 1 ordered, 0 available"
    ] * (CONTENDERS - 4)
    assert await quantity(client, seller, SMALL) == (0, None)
    stored_orders, items = await stored_statuses(runtime)
    assert (len(stored_orders), len(items)) == (5, 5)


async def test_placements_taking_two_skus_in_either_order_do_not_deadlock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(client, runtime, seller)
    both_ways = [{SMALL: 1, MEDIUM: 1}, {MEDIUM: 1, SMALL: 1}] * 3

    outcomes = await asyncio.gather(*(placed(runtime, seller, units) for units in both_ways))

    assert sum(isinstance(outcome, Order) for outcome in outcomes) == 2  # MEDIUM has 2 units
    assert await quantity(client, seller, MEDIUM) == (0, None)
    assert await quantity(client, seller, SMALL) == (3, None)
