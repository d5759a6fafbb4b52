"""The query planners' statistics: gathered after migrating, then again as tables change.

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
the plans of a growing table current; the service analyses after a migration changed the
schema (new indexes have no statistics until then). A server can run with the daemon off (this
project's test machines do): statistics from when the tables were empty then stay, and the
variants load read every variant of the seller (10 ms at 10,000 variants and growing with them,
against 0.8 ms analysed; measured with EXPLAIN ANALYZE). So with the daemon off, the worker's
maintenance does its job for the service's tables, by the server's own thresholds
(``ChangedTables``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name

log = logging.getLogger(__name__)

# Rows SQLite's ANALYZE reads per index at most (its documentation suggests a few hundred to a
# thousand): plans need proportions, not exact counts.
SQLITE_ANALYSIS_LIMIT = 1000
# How often a worker on SQLite gathers its statistics again.
STATISTICS_INTERVAL = timedelta(minutes=1)
# PostgreSQL: one analysis at a time across every worker (a transaction-level advisory lock).
ANALYSIS_LOCK = 0x5C_57A7
# How long an analysis waits for a table's lock before giving up until the next pass.
LOCK_TIMEOUT = "2s"
# The service's tables whose rows changed since their last analysis by more than the server's
# autovacuum settings allow (per-table overrides aside), qualified and quoted for ANALYZE.
CHANGED_TABLES = text(
    """
    SELECT format('%I.%I', stats.schemaname, stats.relname)
    FROM pg_stat_user_tables AS stats JOIN pg_class AS class ON class.oid = stats.relid
    WHERE stats.schemaname = current_schema()
      AND stats.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
          + current_setting('autovacuum_analyze_scale_factor')::float8
            * greatest(class.reltuples, 0)
    ORDER BY stats.relname
    """
)


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


class ChangedTables:
    """A maintenance step on PostgreSQL: while the server's autovacuum daemon is off, analyse
    the tables that changed by more than its thresholds, at most one worker at a time; while
    it runs, nothing (it does that itself)."""

    def __init__(self) -> None:
        self._told: str | None = None

    async def __call__(self, session: AsyncSession, now: datetime) -> int:
        settings = await server_settings(session)
        if settings.autovacuum and settings.track_counts:
            self._told = None
            return 0
        if not settings.track_counts:
            self._tell(
                "PostgreSQL's track_counts is off: neither autovacuum nor the worker can tell "
                "which tables changed, and the planner's statistics go stale (turn it on)"
            )
            return 0
        self._tell(
            "PostgreSQL's autovacuum is off: the worker analyses the service's tables as they "
            "change (turn autovacuum on to leave that to the server)"
        )
        locked = text("SELECT pg_try_advisory_xact_lock(:key)")
        if not (await session.execute(locked, {"key": ANALYSIS_LOCK})).scalar_one():
            return 0
        tables = (await session.execute(CHANGED_TABLES)).scalars().all()
        if not tables:
            return 0
        connection = await session.connection()
        try:
            async with session.begin_nested():
                # Never queue behind a migration's or an operator's lock: next pass.
                await connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                await connection.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
        except DBAPIError as error:
            log.warning("analysing %s failed (%s); the next pass tries again", tables, error.orig)
            return 0
        return len(tables)

    def _tell(self, message: str) -> None:
        if self._told != message:
            log.warning(message)
            self._told = message


@dataclass(frozen=True, slots=True)
class ServerSettings:
    autovacuum: bool
    track_counts: bool
    """The statistics autovacuum reads (rows changed per table); without them it never runs."""


async def server_settings(session: AsyncSession) -> ServerSettings:
    """The PostgreSQL server's settings that decide who keeps the statistics."""
    setting = text(
        "SELECT current_setting('autovacuum') = 'on', current_setting('track_counts') = 'on'"
    )
    autovacuum, track_counts = (await session.execute(setting)).one()
    return ServerSettings(bool(autovacuum), bool(track_counts))
