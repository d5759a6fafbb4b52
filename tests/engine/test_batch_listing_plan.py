"""The batch listing stays an index scan however many batches a seller has: each database's own
plan for the statements ``repository.list_batches`` sends, over a seller with 100,000 batches
(and a neighbour with 10,000), statistics gathered, for every filter and with a cursor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import repository
from sellers_center.engine.repository import BatchFilter, ListPosition
from sellers_center.engine.status import RequestStatus
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = [BOTH_BACKENDS, pytest.mark.long]

BATCHES = 100_000
NEIGHBOUR_BATCHES = 10_000
# One batch in ten is a products batch, the rest stocks: a kind filter skips most rows.
FILL_POSTGRESQL = """
INSERT INTO batches (id, seller_id, kind, status, item_count, attempts, available_at,
                     created_at, succeeded, failed)
SELECT gen_random_uuid(), {seller}, CASE WHEN n % 10 = 0 THEN 'products' ELSE 'stocks' END,
       'completed', 100, 1, at, at, 100, 0
FROM (SELECT n, timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second' AS at
      FROM generate_series(1, {count}) AS n) AS numbered
"""
FILL_SQLITE = """
WITH RECURSIVE numbered(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbered WHERE n < {count})
INSERT INTO batches (id, seller_id, kind, status, item_count, attempts, available_at,
                     created_at, succeeded, failed)
SELECT lower(hex(randomblob(16))), {seller},
       CASE WHEN n % 10 = 0 THEN 'products' ELSE 'stocks' END, 'completed', 100, 1,
       datetime('2026-01-01', '+' || n || ' seconds') || '.000000',
       datetime('2026-01-01', '+' || n || ' seconds') || '.000000', 100, 0
FROM numbered
"""
NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)
CURSOR = ListPosition(NOON, uuid.UUID("01900000-0000-7000-8000-000000000000"))
LISTINGS = {
    "everything": (BatchFilter(), None),
    "a kind": (BatchFilter(kind="products"), None),
    "a status": (BatchFilter(statuses=(RequestStatus.COMPLETED, RequestStatus.FAILED)), None),
    "a time range": (
        BatchFilter(created_from=NOON, created_to=datetime(2026, 1, 2, tzinfo=UTC)),
        None,
    ),
    "a kind after a cursor": (BatchFilter(kind="stocks"), CURSOR),
    "after a cursor": (BatchFilter(), CURSOR),
}


async def fill(session: AsyncSession, seller_id: int, count: int) -> None:
    connection = await session.connection()
    template = FILL_SQLITE if connection.dialect.name == "sqlite" else FILL_POSTGRESQL
    await connection.exec_driver_sql(template.format(seller=int(seller_id), count=count))


async def plan_of(session: AsyncSession, seller_id: int, filters: BatchFilter, after: Any) -> str:
    """The plan of the statement ``list_batches`` sends, from the database itself."""
    connection = await session.connection()
    sent: list[tuple[str, Any]] = []

    def record(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        sent.append((statement, parameters))

    event.listen(connection.sync_engine, "before_cursor_execute", record)
    try:
        await repository.list_batches(
            session, seller_id=seller_id, filters=filters, after=after, limit=21
        )
    finally:
        event.remove(connection.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    if connection.dialect.name == "sqlite":
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    rows = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(str(row[0]) for row in rows)


async def test_every_listing_reads_one_index_in_order(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey, backend: str
) -> None:
    async with runtime.unit.write() as session:
        await fill(session, seller.seller_id, BATCHES)
        await fill(session, other_seller.seller_id, NEIGHBOUR_BATCHES)
        await (await session.connection()).exec_driver_sql("ANALYZE")

    async with runtime.unit.read() as session:
        plans = {
            name: await plan_of(session, seller.seller_id, filters, after)
            for name, (filters, after) in LISTINGS.items()
        }

    for name, plan in plans.items():
        # With a kind, either index reads the rows in order; the planner picks by how common
        # the kind is (a kind of most batches is as cheap to find by the seller's index).
        indexes = ["ix_batches_seller_created"]
        if LISTINGS[name][0].kind:
            indexes.append("ix_batches_seller_kind_created")
        if backend == "sqlite":
            scans = [f"SEARCH batches USING INDEX {index} (" for index in indexes]
            assert any(scan in plan for scan in scans), (name, plan)
            assert "TEMP B-TREE" not in plan, (name, plan)  # no sort: the index gives the order
        else:
            scans = [f"Index Scan Backward using {index} on batches" for index in indexes]
            assert any(scan in plan for scan in scans), (name, plan)
            assert "Sort" not in plan, (name, plan)
            assert "Seq Scan" not in plan, (name, plan)
