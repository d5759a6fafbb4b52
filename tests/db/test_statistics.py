"""SQLite's planner statistics (``db/statistics.py``): gathered by the migration, then by the
worker's maintenance at its first pass and once per interval, not at every pass."""

from __future__ import annotations

from sqlalchemy import text

from sellers_center.clock import ManualClock
from sellers_center.db.statistics import STATISTICS_INTERVAL
from sellers_center.runtime import Runtime
from tests.support import SellerKey

STYLES = """
WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < {count})
INSERT INTO product_styles (seller_id, style_key, status, created_at, updated_at)
SELECT {seller}, '{prefix}' || n, 'draft', '2026-01-01 00:00:00.000000',
       '2026-01-01 00:00:00.000000'
FROM numbers
"""


async def add_styles(runtime: Runtime, seller: SellerKey, prefix: str, count: int) -> None:
    async with runtime.unit.write() as session:
        statement = STYLES.format(count=count, seller=seller.seller_id, prefix=prefix)
        await (await session.connection()).exec_driver_sql(statement)


async def counted_styles(runtime: Runtime) -> int | None:
    """The row count of ``product_styles`` in SQLite's statistics; None without any."""
    async with runtime.unit.read() as session:
        statement = text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'product_styles' LIMIT 1")
        stat = (await session.execute(statement)).scalar_one_or_none()
    return None if stat is None else int(stat.split()[0])


async def test_the_migration_leaves_statistics(runtime: Runtime) -> None:
    async with runtime.unit.read() as session:
        tables = await session.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )

        assert tables.scalars().all() == ["sqlite_stat1"]


async def test_the_worker_gathers_them_at_its_first_pass_then_once_per_interval(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    worker = runtime.worker()
    await add_styles(runtime, seller, "A-", 300)

    await worker.run_maintenance()
    first = await counted_styles(runtime)
    await add_styles(runtime, seller, "B-", 200)
    clock.advance(STATISTICS_INTERVAL.total_seconds() - 1)
    await worker.run_maintenance()
    within = await counted_styles(runtime)
    clock.advance(1)
    await worker.run_maintenance()
    after = await counted_styles(runtime)

    assert (first, within, after) == (300, 300, 500)
