"""The query planners' statistics: gathered after migrating and, on SQLite, again periodically.

Without statistics SQLite chose, for the upsert's load of a seller's variants
(``products.repository.load_variants``, since rewritten not to allow it), the seller's whole
range of the ``(seller_id, sku)`` index and filtered it by style: 1,792 ms at 200,000 variants,
0.7 ms after ``ANALYZE`` (measured). Statistics gathered while the tables were empty (just after
the first migration) mislead the same way, so the worker gathers them again every
``STATISTICS_INTERVAL``; with ``analysis_limit`` each index is sampled, not read whole, so a
pass costs milliseconds whatever the database's size (15 ms at 200,000 variants with a limit of
10,000; a full ``ANALYZE`` took 384 ms). Sampling caps the rows one value seems to match (one
seller's 200,000 variants look like 1,001), which is why hot statements must not need exact
statistics (tests/db/test_query_plans.py).

PostgreSQL's autovacuum daemon analyses a table once 50 rows plus 10 % of it changed (its
defaults, ``autovacuum_analyze_threshold`` and ``autovacuum_analyze_scale_factor``), which keeps
the plans of a growing table current; the service only analyses after a migration changed the
schema (new indexes have no statistics until then). docs/architecture.md#data says what an
operator must keep (autovacuum on).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name

# Rows SQLite's ANALYZE reads per index at most (its documentation suggests a few hundred to a
# thousand): plans need proportions, not exact counts.
SQLITE_ANALYSIS_LIMIT = 1000
# How often a worker on SQLite gathers its statistics again.
STATISTICS_INTERVAL = timedelta(minutes=1)


async def gather(session: AsyncSession) -> None:
    """Gather the planner's statistics of every table, in the session's write transaction."""
    connection = await session.connection()
    if dialect_name(session) == "sqlite":
        await connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    await connection.exec_driver_sql("ANALYZE")


class PeriodicStatistics:
    """A maintenance step (``engine.maintenance.MaintenanceStep``): gathers statistics at its
    first run and then once per ``interval``; between them it sends no statement."""

    def __init__(self, interval: timedelta = STATISTICS_INTERVAL) -> None:
        self.interval = interval
        self._due: datetime | None = None

    async def __call__(self, session: AsyncSession, now: datetime) -> int:
        if self._due is not None and now < self._due:
            return 0
        await gather(session)
        self._due = now + self.interval
        return 1
