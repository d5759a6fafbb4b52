"""Webhook delivery: events delivered per second to a local receiver, and the delay from an
event's commit to its arrival at the receiver at half that rate, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.webhooks [--postgres-url URL] [--seconds 10]

The receiver is a separate process (uvicorn, a raw ASGI app answering 204) so that it does not
share this process's interpreter lock. This process runs what a worker runs: one ``Dispatcher``
with the default settings (16 requests at once, polling every 0.2 s). Events go to 16 sellers
with one subscription each (a subscription has one delivery in flight at a time).

1. Throughput: 4,000 events are written first; the time from starting the dispatcher until the
   receiver has them all.
   The tables are analysed once filled, as autovacuum would.
2. Delay: events are written one per transaction at half the measured rate for ``--seconds``,
   each carrying its commit time; the receiver records its arrival time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.ingest import free_port
from bench.postgres import DEFAULT_POSTGRES_URL, scratch_database
from sellers_center.accounts import service as accounts
from sellers_center.clock import SystemClock
from sellers_center.db import Database, UnitOfWork
from sellers_center.db.migrate import migrate
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.delivery import DeliveryConfig, Dispatcher
from sellers_center.webhooks.target import TargetPolicy

SELLERS = 16
BACKLOG = 4_000
EVENT = "batch.completed"


# --- the receiver (its own process) --------------------------------------------------------------

DELAYS: list[float] = []


async def receiver_app(
    scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any
) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] == "POST":
        sent = json.loads(body)["message"].get("committed")
        if sent is not None:
            DELAYS.append(time.time() - sent)
        else:
            DELAYS.append(-1.0)
        answer = b""
    else:  # GET: what arrived so far
        answer = json.dumps(DELAYS).encode()
    await send({"type": "http.response.start", "status": 200 if answer else 204, "headers": []})
    await send({"type": "http.response.body", "body": answer})


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(receiver_app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the measurement -----------------------------------------------------------------------------


async def arrived(port: int) -> list[float]:
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.get(f"http://127.0.0.1:{port}/stats")
        delays: list[float] = answer.json()
        return delays


async def prepare(url: str, port: int) -> tuple[Database, list[int]]:
    database = Database(url)
    await migrate(database)
    now = datetime.now(UTC)
    sellers = []
    policy = TargetPolicy(allow_private=True, http_hosts=frozenset({"127.0.0.1"}))
    async with database.write_session.begin() as session:
        for n in range(SELLERS):
            seller_id = await accounts.create_seller(session, f"bench-{n}", None, now)
            await webhooks.create(
                session,
                seller_id,
                events=[EVENT],
                url=f"http://127.0.0.1:{port}/hook",
                description=None,
                policy=policy,
                now=now,
            )
            sellers.append(seller_id)
    return database, sellers


async def emit(unit: UnitOfWork, seller_id: int, message: dict[str, Any]) -> None:
    async with unit.write() as session:
        await webhooks.emit(session, seller_id, EVENT, message, datetime.now(UTC))


async def until(port: int, count: int, limit_seconds: float) -> list[float]:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        delays = await arrived(port)
        if len(delays) >= count:
            return delays
        await asyncio.sleep(0.05)
    raise RuntimeError(f"only {len(await arrived(port))} of {count} deliveries arrived")


async def measure(url: str, port: int, seconds: float) -> tuple[float, float, float, int]:
    database, sellers = await prepare(url, port)
    unit = UnitOfWork(database)
    config = DeliveryConfig(
        policy=TargetPolicy(allow_private=True, http_hosts=frozenset({"127.0.0.1"}))
    )
    try:
        already = len(await arrived(port))
        async with unit.write() as session:
            for n in range(BACKLOG):
                await webhooks.emit(session, sellers[n % SELLERS], EVENT, {}, datetime.now(UTC))
        async with unit.write() as session:
            # What autovacuum does within a minute of such a burst; without statistics the
            # planner probed every candidate's subscription backlog (~0.5 s per claim).
            await session.execute(text("ANALYZE"))
        dispatcher = Dispatcher(unit, SystemClock(), config, "bench")
        started = time.perf_counter()
        running = asyncio.create_task(dispatcher.run())
        await until(port, already + BACKLOG, 600)
        rate = BACKLOG / (time.perf_counter() - started)

        before = len(await arrived(port))
        interval = 2 / rate  # half the rate
        sent = 0
        begun = time.perf_counter()
        while time.perf_counter() - begun < seconds:
            await emit(unit, sellers[sent % SELLERS], {"committed": time.time()})
            sent += 1
            pause = begun + sent * interval - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
        delays = (await until(port, before + sent, 120))[before:]
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        cut = statistics.quantiles(delays, n=100)
        return rate, cut[49] * 1000, cut[98] * 1000, sent
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.receiver is not None:
        serve_receiver(arguments.receiver)
        return
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.webhooks", "--receiver", str(port)])
    try:
        asyncio.run(until_receiver(port))
        rows = []
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.db"
            rows.append(
                (
                    "SQLite",
                    asyncio.run(measure(f"sqlite+aiosqlite:///{path}", port, arguments.seconds)),
                )
            )
        with scratch_database(arguments.postgres_url) as url:
            rows.append(("PostgreSQL", asyncio.run(measure(url, port, arguments.seconds))))
    finally:
        receiver.terminate()
        receiver.wait(10)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| database | delivered per second | delay p50 at half that rate | p99 | events |")
    print("|---|---|---|---|---|")
    for name, (rate, p50, p99, sent) in rows:
        print(f"| {name} | {rate:,.0f} | {p50:,.0f} ms | {p99:,.0f} ms | {sent} |")


async def until_receiver(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            await arrived(port)
            return
        except httpx.HTTPError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the receiver did not start")


if __name__ == "__main__":
    main()
