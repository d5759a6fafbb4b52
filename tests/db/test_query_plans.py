"""The hot statements read indexes, not whole tables, at realistic sizes: each database's own plan
(EXPLAIN) for what the repositories send, after the statistics the service gathers
(``db.statistics.gather``, run after migrating and periodically by the worker) over
200,000 variants of one seller (and 20,000 of a neighbour), 50,000 batches (a few hundred
waiting) and 20,000 orders. A full scan of variants or batches (or orders), or a scan of all of
a seller's variants, fails the test with the plan.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, String, event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import statistics
from sellers_center.db.tables import Order
from sellers_center.db.types import UTCDateTime
from sellers_center.engine import repository as batches
from sellers_center.engine.repository import BatchFilter
from sellers_center.orders.order import FulfillmentType, OrderStatus
from sellers_center.orders.repository import OrderFilter, order_page
from sellers_center.products.repository.variants import load_variants
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = [BOTH_BACKENDS, pytest.mark.long]

VARIANTS = 200_000
NEIGHBOUR_VARIANTS = 20_000
VARIANTS_PER_STYLE = 10
BATCHES = 50_000
WAITING_EVERY = 200  # one batch in this many is still pending
ORDERS = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)
# Order columns whose text the listing reads back as a value of its own.
KNOWN_VALUES = {
    "status": OrderStatus.OPEN,
    "fulfillment_type": FulfillmentType.DROPSHIPPING,
    "shop_country": "DE",
    "currency": "EUR",
}

NUMBERS = {
    "sqlite": "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers "
    "WHERE n < {count}) ",
    "postgresql": "WITH numbers(n) AS (SELECT generate_series(1, {count})) ",
}
STYLES = """INSERT INTO product_styles (seller_id, style_key, status, created_at, updated_at)
SELECT {seller}, 'STYLE-' || n, 'draft', {time}, {time} FROM numbers"""
VARIANT_ROWS = """INSERT INTO product_variants (seller_id, style_id, sku, ean, brand, category,
    color, details, created_at, updated_at)
SELECT {seller}, styles.id, 'SKU-' || n, {ean}, 1101, 112, 1001, '{{}}', {time}, {time}
FROM numbers JOIN product_styles AS styles
  ON styles.seller_id = {seller} AND styles.style_key = 'STYLE-' || (1 + (n - 1) / {per_style})"""
BATCH_ROWS = """INSERT INTO batches (id, seller_id, kind, status, item_count, attempts,
    available_at, created_at, finished_at, succeeded, failed)
SELECT {id}, {seller}, CASE WHEN n % 10 = 0 THEN 'products' ELSE 'stocks' END,
    CASE WHEN n % {waiting} = 0 THEN 'pending' ELSE 'completed' END, 100, 1, {time}, {time},
    CASE WHEN n % {waiting} = 0 THEN NULL ELSE {time} END, 100, 0
FROM numbers"""
DIALECT_VALUES = {
    "sqlite": {
        "time": "'2026-01-01 00:00:00.000000'",
        "ean": "printf('%013d', n)",
        "id": "lower(hex(randomblob(16)))",
    },
    "postgresql": {
        "time": "timestamptz '2026-01-01 00:00:00+00'",
        "ean": "lpad(n::text, 13, '0')",
        "id": "gen_random_uuid()",
    },
}


async def fill(
    session: AsyncSession, dialect: str, statement: str, count: int, **values: Any
) -> None:
    connection = await session.connection()
    sql = NUMBERS[dialect] + statement
    await connection.exec_driver_sql(sql.format(count=count, **DIALECT_VALUES[dialect], **values))


async def fill_orders(session: AsyncSession, seller_id: int) -> None:
    """Orders with every required column set from its type (the listing reads only a few)."""
    columns = [column for column in Order.__table__.columns if not column.primary_key]

    def value(column: Any, n: int) -> Any:
        if column.name == "seller_id":
            return seller_id
        if column.name == "created_at" or isinstance(column.type, UTCDateTime):
            return START + timedelta(seconds=n)
        if column.name == "order_number":
            return f"ORDER-{n}"
        if isinstance(column.type, Integer):
            return 1
        if isinstance(column.type, String):
            return KNOWN_VALUES.get(column.name, "x")
        return None

    rows = [{column.name: value(column, n) for column in columns} for n in range(ORDERS)]
    await session.execute(insert(Order), rows)


@pytest.fixture
async def grown(runtime: Runtime, seller: SellerKey, other_seller: SellerKey, backend: str) -> None:
    async with runtime.unit.write() as session:
        for owner, count in ((seller, VARIANTS), (other_seller, NEIGHBOUR_VARIANTS)):
            styles = count // VARIANTS_PER_STYLE
            await fill(session, backend, STYLES, styles, seller=owner.seller_id)
            await fill(
                session,
                backend,
                VARIANT_ROWS,
                count,
                seller=owner.seller_id,
                per_style=VARIANTS_PER_STYLE,
            )
        for owner in (seller, other_seller):
            await fill(
                session,
                backend,
                BATCH_ROWS,
                BATCHES // 2,
                seller=owner.seller_id,
                waiting=WAITING_EVERY,
            )
        await fill_orders(session, seller.seller_id)
    async with runtime.unit.write() as session:
        await statistics.gather(session)


Statement = tuple[str, Any]


async def statements_of(
    session: AsyncSession, work: Callable[[AsyncSession], Awaitable[object]]
) -> list[Statement]:
    """The statements ``work`` sends, with their parameters."""
    connection = await session.connection()
    sent: list[Statement] = []

    def record(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        sent.append((statement, parameters))

    event.listen(connection.sync_engine, "before_cursor_execute", record)
    try:
        await work(session)
    finally:
        event.remove(connection.sync_engine, "before_cursor_execute", record)
    return sent


async def plan(session: AsyncSession, statement: Statement) -> str:
    connection = await session.connection()
    sql, parameters = statement
    if connection.dialect.name == "sqlite":
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    rows = await connection.exec_driver_sql(f"EXPLAIN {sql}", parameters)
    return "\n".join(str(row[0]) for row in rows)


FULL_SCANS = [
    # SQLite: a whole table, or every variant of the seller through the (seller, ...) index.
    re.compile(r"\bSCAN (product_variants|batches|orders)\b"),
    re.compile(r"SEARCH product_variants USING (COVERING )?INDEX \w+ \(seller_id=\?\)"),
    # PostgreSQL: a sequential scan of any of them.
    re.compile(r"Seq Scan on (product_variants|batches|orders)\b"),
]


def hot_reads(seller: SellerKey) -> dict[str, Callable[[AsyncSession], Awaitable[object]]]:
    now = START + timedelta(days=1)

    async def variants(session: AsyncSession) -> object:
        return await load_variants(
            session,
            seller.seller_id,
            style_keys=["STYLE-7", "STYLE-NEW"],
            skus=[f"SKU-{n}" for n in range(1, 101)],
            eans=[f"{n:013d}" for n in range(1, 101)],
        )

    async def claim(session: AsyncSession) -> object:
        return await batches.claim_next(
            session, owner="plans", now=now, lease_until=now + timedelta(seconds=30)
        )

    async def results(session: AsyncSession) -> object:
        return await batches.find_batch(
            session, batch_id=uuid.uuid4(), seller_id=seller.seller_id, kind="products"
        )

    async def listing(session: AsyncSession) -> object:
        return await batches.list_batches(
            session, seller_id=seller.seller_id, filters=BatchFilter(), after=None, limit=21
        )

    async def orders(session: AsyncSession) -> object:
        return await order_page(
            session, seller.seller_id, OrderFilter(status="open"), after=None, offset=0, limit=20
        )

    return {
        "load of a seller's variants": variants,
        "batch claim": claim,
        "results read": results,
        "batch listing": listing,
        "orders listing": orders,
    }


@pytest.mark.usefixtures("grown")
async def test_hot_statements_read_indexes_not_whole_tables(
    runtime: Runtime, seller: SellerKey
) -> None:
    plans: dict[str, list[str]] = {}
    for name, work in hot_reads(seller).items():
        async with runtime.unit.write() as session:
            sent = await statements_of(session, work)
            plans[name] = [await plan(session, statement) for statement in sent]

    assert all(plans.values()), plans
    for name, found in plans.items():
        for text in found:
            scans = [pattern.pattern for pattern in FULL_SCANS if pattern.search(text)]
            assert scans == [], f"{name}:\n{text}"
