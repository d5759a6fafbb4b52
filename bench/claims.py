"""Cost of one claim on PostgreSQL as the queue grows, fair claims against strict arrival order.

    .venv/bin/python -m bench.claims [--postgres-url URL]

For each queue depth, a fresh database gets that many pending batches: nine in ten from one
flooding seller, the rest spread over 49 others. Then 150 claims are made with each way of
choosing (the first 50 warm up; the table shows the median and 90th percentile of the other
100): strict arrival order (the reference, and the fallback of a fair claim), the fair choice
with a window function over every claimable row (what SQLite runs), and the fair choice with a
skip scan over the waiting sellers (what PostgreSQL runs).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Select, text

from bench.postgres import DEFAULT_POSTGRES_URL, scratch_database
from sellers_center.clock import SystemClock
from sellers_center.db import Database
from sellers_center.db.migrate import migrate
from sellers_center.db.tables import Batch
from sellers_center.engine.repository import queue as repository

DEPTHS = (1_000, 10_000, 50_000)
WARM_UP, MEASURED = 50, 100
SELLERS = 50

CHOICES: dict[str, Callable[[], Select[uuid.UUID]]] = {
    "arrival order (reference)": repository._oldest_claimable,
    "fair, window function": lambda: repository._fairest_claimable(postgresql=False),
    "fair, skip scan": lambda: repository._fairest_claimable(postgresql=True),
}

FILL = """
INSERT INTO sellers (id, name, created_at)
    SELECT g, 'seller-' || g, now() FROM generate_series(1, :sellers) AS g;
"""
QUEUE = """
INSERT INTO batches (id, seller_id, kind, status, item_count, attempts, available_at, created_at)
    SELECT gen_random_uuid(), CASE WHEN g % 10 = 0 THEN 2 + g % (:sellers - 1) ELSE 1 END,
           'stocks', 'pending', 1, 0, now() - interval '1 hour' + g * interval '1 ms', now()
    FROM generate_series(1, :depth) AS g
"""


async def measure(url: str, depth: int) -> list[tuple[str, float, float]]:
    database = Database(url)
    try:
        await migrate(database)
        async with database.write_session.begin() as session:
            await session.execute(text(FILL), {"sellers": SELLERS})
            await session.execute(text(QUEUE), {"sellers": SELLERS, "depth": depth})
            await session.execute(text("ANALYZE batches"))
        rows = []
        for name, choose in CHOICES.items():
            timings = []
            claim = repository._claim_statement(
                choose().with_for_update(skip_locked=True, of=Batch)
            )
            for _ in range(WARM_UP + MEASURED):
                now = SystemClock().now()
                parameters = {
                    "owner": "bench",
                    "now": now,
                    "lease_until": now + timedelta(seconds=30),
                }
                started = time.perf_counter()
                async with database.write_session.begin() as session:
                    claimed = await repository._claim(session, claim, parameters)
                timings.append(time.perf_counter() - started)
                if claimed is None:
                    raise RuntimeError("the queue ran dry")
            measured = sorted(timings[WARM_UP:])
            rows.append((name, measured[MEASURED // 2] * 1000, measured[MEASURED * 9 // 10] * 1000))
        return rows
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args()
    print(f"{'queued':>8}  {'choice':<26}  {'p50 ms':>7}  {'p90 ms':>7}")
    for depth in DEPTHS:
        with scratch_database(options.postgres_url) as url:
            rows = asyncio.run(measure(url, depth))
        for choice, p50, p90 in rows:
            print(f"{depth:>8,}  {choice:<26}  {p50:>7.1f}  {p90:>7.1f}")


if __name__ == "__main__":
    main()
