"""The planners' statistics (``db/statistics.py``). SQLite's: gathered by the migration, then by
the worker's maintenance at its first pass and once per interval, not at every pass.
PostgreSQL's: with the server's autovacuum off, the maintenance analyses the tables that
changed past the server's thresholds, and only those."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from sellers_center.clock import ManualClock
from sellers_center.db import statistics
from sellers_center.db.statistics import STATISTICS_INTERVAL, ChangedTables, ServerSettings
from sellers_center.runtime import Runtime
from tests.support import SellerKey

STYLES = """
WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < {count})
INSERT INTO product_styles (seller_id, style_key, status, created_at, updated_at)
SELECT {seller}, '{prefix}' || n, 'draft', '2026-01-01 00:00:00.000000',
       '2026-01-01 00:00:00.000000'
FROM numbers
"""


POSTGRESQL = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
ANALYSES = text(
    "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname IN "
    "('product_styles', 'sellers', 'batches') ORDER BY relname"
)


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


WATCHED = ("product_styles", "sellers", "batches")


@pytest.fixture
async def no_daemon_on_watched(runtime: Runtime) -> AsyncIterator[None]:
    """Keep a running autovacuum daemon (the server's default) off the tables these tests
    count analyses of, and their changes reported at once (PostgreSQL 15 and later)."""
    async with runtime.unit.read() as session:
        version = (await session.execute(text("SHOW server_version_num"))).scalar_one()
    if int(version) < 150000:
        pytest.skip("pg_stat_force_next_flush() needs PostgreSQL 15")
    async with runtime.unit.write() as session:
        for table in WATCHED:
            await session.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    yield
    async with runtime.unit.write() as session:
        for table in WATCHED:
            await session.execute(text(f"ALTER TABLE {table} RESET (autovacuum_enabled)"))


def server(*, autovacuum: bool, track_counts: bool) -> object:
    async def settings(_session: object) -> ServerSettings:
        return ServerSettings(autovacuum, track_counts)

    return settings


async def analyses(runtime: Runtime) -> dict[str, int]:
    async with runtime.unit.read() as session:
        return {row.relname: row.analyze_count for row in await session.execute(ANALYSES)}


async def change_rows(runtime: Runtime, seller: SellerKey, *, sellers: bool) -> None:
    """300 new styles (more than 50 + 10 % of an empty table), and the sellers' one row (fewer)
    when asked, reported to the server's statistics at the commit (a backend reports at most
    once a second otherwise)."""
    async with runtime.unit.write() as session:
        statement = STYLES.format(count=300, seller=seller.seller_id, prefix="A-")
        await (await session.connection()).exec_driver_sql(statement)
        if sellers:
            await session.execute(text("UPDATE sellers SET name = name || '!'"))
        await session.execute(text("SELECT pg_stat_force_next_flush()"))


@POSTGRESQL
@pytest.mark.usefixtures("no_daemon_on_watched")
async def test_without_autovacuum_the_worker_analyses_the_tables_that_changed(
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(statistics, "server_settings", server(autovacuum=False, track_counts=True))
    async with runtime.unit.write() as session:
        await (await session.connection()).exec_driver_sql("ANALYZE")
    await change_rows(runtime, seller, sellers=True)
    before = await analyses(runtime)
    step = ChangedTables()

    with caplog.at_level(logging.WARNING, logger="sellers_center.db.statistics"):
        async with runtime.unit.write() as session:
            analysed = await step(session, runtime.clock.now())
        async with runtime.unit.write() as session:
            again = await step(session, runtime.clock.now())
    after = await analyses(runtime)

    assert (analysed, again) == (1, 0)
    assert after == {**before, "product_styles": before["product_styles"] + 1}
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        "PostgreSQL's autovacuum is off: the worker analyses the service's tables as they "
        "change (turn autovacuum on to leave that to the server)"
    ]


@POSTGRESQL
@pytest.mark.usefixtures("no_daemon_on_watched")
@pytest.mark.parametrize(
    ("autovacuum", "warning"),
    [
        (True, None),
        (
            False,
            "PostgreSQL's track_counts is off: neither autovacuum nor the worker can tell which "
            "tables changed, and the planner's statistics go stale (turn it on)",
        ),
    ],
)
async def test_the_worker_analyses_nothing_with_the_daemon_on_or_without_counts(
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    autovacuum: bool,
    warning: str | None,
) -> None:
    track_counts = warning is None
    settings = server(autovacuum=autovacuum, track_counts=track_counts)
    monkeypatch.setattr(statistics, "server_settings", settings)
    await change_rows(runtime, seller, sellers=False)
    before = await analyses(runtime)

    with caplog.at_level(logging.WARNING, logger="sellers_center.db.statistics"):
        async with runtime.unit.write() as session:
            analysed = await ChangedTables()(session, runtime.clock.now())

    assert analysed == 0
    assert await analyses(runtime) == before
    assert [record.getMessage() for record in caplog.records] == ([warning] if warning else [])
