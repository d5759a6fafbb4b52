"""What the NOTIFY trigger costs submissions on PostgreSQL (migration 0005).

    .venv/bin/python -m bench.submits [--postgres-url URL]

PostgreSQL commits transactions that sent NOTIFY one at a time, so the trigger could cap how
fast batches are stored. On a fresh database, 16 concurrent tasks store 200 one-item batches
each through the engine's ``submit`` (one transaction per batch, as the API does), with the
trigger disabled and enabled, twice each in alternation; the table shows batches stored per
second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from sqlalchemy import text

from bench.postgres import DEFAULT_POSTGRES_URL, scratch_database
from sellers_center.clock import SystemClock
from sellers_center.db import Database
from sellers_center.db.migrate import migrate
from sellers_center.engine import service

TASKS, BATCHES_PER_TASK = 16, 200
ROUNDS = (False, True, False, True)


async def submissions_per_second(database: Database, *, notify: bool, round_number: int) -> float:
    switch = "ENABLE" if notify else "DISABLE"
    async with database.write_session.begin() as session:
        await session.execute(text(f"ALTER TABLE batches {switch} TRIGGER batches_notify_insert"))

    async def task(number: int) -> None:
        for batch in range(BATCHES_PER_TASK):
            sku = f"R{round_number}-T{number}-B{batch}"
            body = json.dumps({"items": [{"sku": sku, "quantity": 1}]}).encode()
            async with database.write_session.begin() as session:
                await service.submit(
                    session, kind="stocks", seller_id=1, body=body, item_count=1,
                    now=SystemClock().now(),
                )  # fmt: skip

    started = time.perf_counter()
    await asyncio.gather(*(task(number) for number in range(TASKS)))
    return TASKS * BATCHES_PER_TASK / (time.perf_counter() - started)


async def measure(url: str) -> list[tuple[bool, float]]:
    database = Database(url, pool_size=TASKS)
    try:
        await migrate(database)
        async with database.write_session.begin() as session:
            await session.execute(
                text("INSERT INTO sellers (id, name, created_at) VALUES (1, 'bench', now())")
            )
        return [
            (notify, await submissions_per_second(database, notify=notify, round_number=number))
            for number, notify in enumerate(ROUNDS)
        ]
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    options = parser.parse_args()
    with scratch_database(options.postgres_url) as url:
        rows = asyncio.run(measure(url))
    print(f"{'NOTIFY trigger':<16}  {'batches stored/s':>16}")
    for notify, rate in rows:
        print(f"{'enabled' if notify else 'disabled':<16}  {rate:>16,.0f}")


if __name__ == "__main__":
    main()
