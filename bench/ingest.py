"""Ingest benchmark: product batches through a real server, against the validation ceiling.

    .venv/bin/python -m bench.ingest [--batches 200] [--clients 8]
    .venv/bin/python -m bench.ingest --profile production [--batches 100]

Starts ``sellers-center serve`` on a fresh embedded (SQLite) database with rate limits off,
then measures, on the same payloads and in the same run:

- the ceiling: parsing and validating the payloads with the contract models alone, one core;
- latency when the service is not saturated: one client, one batch at a time;
- throughput when it is: several clients submitting every batch at once;
- the same two for 1000-item stock batches against the variants the product runs stored.

Latencies are submit-to-completed as the server recorded them (``created_at`` to
``finished_at``), so polling does not blur them.

``--profile production`` measures instead, in one run, the embedded server's saturated product
throughput as the reference and then PostgreSQL with 1 and with 2 standalone worker processes
draining the same amount of work (bench/production.py), and prints the scaling ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from bench import production
from bench.client import LeanClient
from bench.payloads import product_batch, stock_batch
from bench.postgres import DEFAULT_POSTGRES_URL
from sellers_center.products.schemas import UpsertProductsRequestSchema

ITEMS_PER_BATCH = 100
STOCK_ITEMS_PER_BATCH = 1000
LATENCY_BATCHES = 20
STARTUP_SECONDS = 60
FINISH_SECONDS = 300
# Pace of the one-at-a-time run, and of clients waiting out a backlog (polling every batch
# 50 times a second from eight clients would be a load of its own).
POLL_SECONDS = 0.02
BACKLOG_POLL_SECONDS = 0.25


@dataclass
class Row:
    scenario: str
    items: int
    seconds: float
    latencies: Sequence[float] = ()

    def cells(self) -> list[str]:
        rate = f"{self.items / self.seconds:,.0f}"
        if not self.latencies:
            return [self.scenario, f"{self.items:,}", f"{self.seconds:.2f}", rate, "", ""]
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return [
            self.scenario,
            f"{self.items:,}",
            f"{self.seconds:.2f}",
            rate,
            f"{p50:.0f}",
            f"{p99:.0f}",
        ]


def percentile(values: Sequence[float], rank: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(rank / 100 * (len(ordered) - 1)))] * 1000


def ceiling(payloads: Sequence[bytes], *, collect: bool) -> Row:
    """Single-core parse + validate of every payload with the contract models only."""
    if not collect:
        gc.disable()
    try:
        start = time.perf_counter()
        for body in payloads:
            UpsertProductsRequestSchema.model_validate_json(body)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    label = "ceiling: validation, 1 core" + ("" if not collect else ", default GC")
    return Row(label, len(payloads) * ITEMS_PER_BATCH, elapsed)


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / "bench.db"
        self.port = free_port()
        self.log = folder / "server.log"
        env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "SELLERS_CENTER_RATE_LIMITS_ENABLED": "false",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sellers_center", "serve", "--port", str(self.port)],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = self._wait_until_ready()

    def _wait_until_ready(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            keys = [line for line in self.log.read_text().splitlines() if line.startswith("sc_")]
            try:
                if keys and httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return keys[0]
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start; see {self.log}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def timings(self, batch_ids: Sequence[str]) -> dict[str, tuple[datetime, datetime, str]]:
        with sqlite3.connect(self.database) as connection:
            rows = connection.execute(
                "SELECT id, created_at, finished_at, status FROM batches"
            ).fetchall()
        wanted = {batch_id.replace("-", "") for batch_id in batch_ids}
        return {
            row[0]: (datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2]), row[3])
            for row in rows
            if row[0] in wanted and row[2] is not None
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SUBMIT = {"products": ("POST", "/api/v1/products/"), "stocks": ("PUT", "/api/v1/products/stocks")}


async def submit(client: LeanClient, body: bytes, kind: str = "products") -> str:
    method, path = SUBMIT[kind]
    response = await client.request(method, path, content=body)
    response.raise_for_status()
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def wait_final(
    client: LeanClient, batch_id: str, poll: float = POLL_SECONDS, kind: str = "products"
) -> None:
    deadline = time.monotonic() + FINISH_SECONDS
    while time.monotonic() < deadline:
        response = await client.get(
            f"/api/v1/results/{kind}", params={"batch_request_id": batch_id}
        )
        status = response.json()["status"]
        if status in ("completed", "failed"):
            if status == "failed" or not all(i["success"] for i in response.json()["items"]):
                raise RuntimeError(f"batch {batch_id} did not apply cleanly: {response.text[:300]}")
            return
        await asyncio.sleep(poll)
    raise RuntimeError(f"batch {batch_id} was not final after {FINISH_SECONDS} s")


async def run_clients(
    server: Server, payloads: Sequence[bytes], clients: int, kind: str = "products"
) -> tuple[list[str], float]:
    """Each client submits its share of the batches back to back, then waits for them."""
    headers = {"X-API-Key": server.key, "Content-Type": "application/json"}

    async def client_run(share: Sequence[bytes]) -> list[str]:
        async with LeanClient(server.url, headers, max_connections=1) as client:
            ids = [await submit(client, body, kind) for body in share]
            for batch_id in ids:
                await wait_final(client, batch_id, BACKLOG_POLL_SECONDS, kind)
            return ids

    start = time.perf_counter()
    shares = [payloads[n::clients] for n in range(clients)]
    done = await asyncio.gather(*(client_run(share) for share in shares))
    return [batch_id for ids in done for batch_id in ids], time.perf_counter() - start


async def run_one_at_a_time(
    server: Server, payloads: Sequence[bytes], kind: str = "products"
) -> list[str]:
    headers = {"X-API-Key": server.key, "Content-Type": "application/json"}
    async with LeanClient(server.url, headers, max_connections=1) as client:
        ids = []
        for body in payloads:
            ids.append(await submit(client, body, kind))
            await wait_final(client, ids[-1], kind=kind)
        return ids


def server_latencies(server: Server, batch_ids: Sequence[str]) -> list[float]:
    timings = server.timings(batch_ids)
    assert len(timings) == len(batch_ids), "every batch must be final"
    return [(finished - created).total_seconds() for created, finished, _ in timings.values()]


def stock_rows(server: Server, options: argparse.Namespace, skus_available: int) -> list[Row]:
    """1000-item stock batches against the variants the product runs stored."""
    count = LATENCY_BATCHES + options.stock_batches
    payloads = [stock_batch(n, skus_available, STOCK_ITEMS_PER_BATCH) for n in range(count)]
    rows = []
    start = time.perf_counter()
    ids = asyncio.run(run_one_at_a_time(server, payloads[:LATENCY_BATCHES], "stocks"))
    items = len(ids) * STOCK_ITEMS_PER_BATCH
    rows.append(
        Row(
            "stocks, 1 client, 1 batch at a time",
            items,
            time.perf_counter() - start,
            server_latencies(server, ids),
        )
    )
    ids, elapsed = asyncio.run(
        run_clients(server, payloads[LATENCY_BATCHES:], options.clients, "stocks")
    )
    items = len(ids) * STOCK_ITEMS_PER_BATCH
    label = f"stocks, {options.clients} clients, saturated"
    rows.append(Row(label, items, elapsed, server_latencies(server, ids)))
    return rows


def print_table(rows: Sequence[Row]) -> None:
    header = ["scenario", "items", "seconds", "items/s", "p50 ms", "p99 ms"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[n]) for line in table) for n in range(len(header))]
    for number, line in enumerate(table):
        print(
            "  ".join(
                cell.ljust(w) if n == 0 else cell.rjust(w)
                for n, (cell, w) in enumerate(zip(line, widths, strict=False))
            )
        )
        if number == 0:
            print("  ".join("-" * w for w in widths))


def embedded_saturated(payloads: Sequence[bytes], clients: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-") as folder:
        server = Server(Path(folder))
        try:
            ids, elapsed = asyncio.run(run_clients(server, payloads, clients))
        finally:
            server.stop()
    label = f"embedded SQLite, serve + worker, {clients} clients"
    return Row(label, len(ids) * ITEMS_PER_BATCH, elapsed)


def main_production(options: argparse.Namespace) -> None:
    payloads = [product_batch(number, ITEMS_PER_BATCH) for number in range(options.batches)]
    rows = [ceiling(payloads, collect=False), embedded_saturated(payloads, options.clients)]
    for scenario, items, seconds in production.run(
        options.batches, options.postgres_url, options.redis_url, free_port()
    ):
        rows.append(Row(scenario, items, seconds))
    print_table(rows)
    one, two = (row.items / row.seconds for row in rows[2:4])
    embedded = rows[1].items / rows[1].seconds
    print(f"\nscaling: 2 worker processes / 1 worker process = {two / one:.2f}")
    print(f"PostgreSQL 1 worker process / embedded SQLite = {one / embedded:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profile",
        choices=("embedded", "production"),
        default="embedded",
        help="embedded: SQLite end to end; production: PostgreSQL worker scaling",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--redis-url", default=production.DEFAULT_REDIS_URL)
    parser.add_argument("--batches", type=int, default=200, help="batches in the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--stock-batches", type=int, default=30, help="1000-item stock batches (throughput run)"
    )
    options = parser.parse_args()
    if options.profile == "production":
        main_production(options)
        return

    total = options.batches + LATENCY_BATCHES
    payloads = [product_batch(number, ITEMS_PER_BATCH) for number in range(total)]
    latency_payloads, throughput_payloads = payloads[:LATENCY_BATCHES], payloads[LATENCY_BATCHES:]
    rows = [ceiling(throughput_payloads, collect=False), ceiling(throughput_payloads, collect=True)]

    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-") as folder:
        server = Server(Path(folder))
        try:
            start = time.perf_counter()
            ids = asyncio.run(run_one_at_a_time(server, latency_payloads))
            elapsed = time.perf_counter() - start
            rows.append(
                Row(
                    "end to end, 1 client, 1 batch at a time",
                    len(ids) * ITEMS_PER_BATCH,
                    elapsed,
                    server_latencies(server, ids),
                )
            )
            ids, elapsed = asyncio.run(run_clients(server, throughput_payloads, options.clients))
            rows.append(
                Row(
                    f"end to end, {options.clients} clients, saturated",
                    len(ids) * ITEMS_PER_BATCH,
                    elapsed,
                    server_latencies(server, ids),
                )
            )
            rows += stock_rows(server, options, skus_available=total * ITEMS_PER_BATCH)
        finally:
            server.stop()

    print_table(rows)
    ratio = (rows[3].items / rows[3].seconds) / (rows[0].items / rows[0].seconds)
    print(f"\nproducts: end-to-end throughput / single-core validation ceiling = {ratio:.2f}")


if __name__ == "__main__":
    main()
