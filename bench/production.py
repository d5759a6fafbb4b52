"""The production profile's worker scaling: 1 and then 2 worker processes on PostgreSQL.

    .venv/bin/python -m bench.ingest --profile production [--batches 100]

On a fresh PostgreSQL database (dropped afterwards), with Redis as the rate-limit store and
limits off, an API process (``serve --no-worker``) takes every batch of a round while no worker
runs; then the round's worker processes start and drain the queue. Throughput is the round's
items over the time from its first claim to its last finish, read from the database, so
process start-up and submission do not count. Each round has batches of its own (new styles),
so both do the same work: inserting new variants.

The machines here have 2 cores: two worker processes share them with PostgreSQL, so the
scaling ratio says how much of a second core the queue turns into throughput.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import httpx

from bench.payloads import product_batch
from bench.postgres import driver_dsn, scratch_database

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ITEMS_PER_BATCH = 100
WORKER_CONCURRENCY = 4
CLIENTS = 8
STARTUP_SECONDS = 60
DRAIN_SECONDS = 600
POLL_SECONDS = 0.25


class Profile:
    """The database (``url``) and the processes of one benchmark run."""

    def __init__(self, folder: Path, url: str, redis_url: str) -> None:
        self.folder = folder
        self.dsn = driver_dsn(url)
        self.env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": url,
            "SELLERS_CENTER_REDIS_URL": redis_url,
            "SELLERS_CENTER_RATE_LIMITS_ENABLED": "false",
            "SELLERS_CENTER_LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *arguments: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "sellers_center", *arguments],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.stop(process)

    async def fetch(self, query: str, *arguments: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.dsn)
        try:
            rows: list[asyncpg.Record] = await connection.fetch(query, *arguments)
            return rows
        finally:
            await connection.close()


def start_api(profile: Profile, port: int) -> str:
    """``serve --no-worker``; returns the demo seller's key it prints on the first start."""
    profile.start("api", "serve", "--port", str(port), "--no-worker")
    log = profile.folder / "api.log"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        keys = [line for line in log.read_text().splitlines() if line.startswith("sc_")]
        try:
            answered = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code
        except httpx.TransportError:
            answered = 0
        if keys and answered == 200:
            return keys[0]
        time.sleep(0.1)
    raise RuntimeError(f"the API did not start; see {log}")


async def submit_all(base_url: str, key: str, payloads: Sequence[bytes]) -> list[str]:
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:

        async def one_client(share: Sequence[bytes]) -> list[str]:
            ids = []
            for body in share:
                response = await client.post("/api/v1/products/", content=body)
                response.raise_for_status()
                ids.append(response.json()["batchRequestId"])
            return ids

        shares = [payloads[n::CLIENTS] for n in range(CLIENTS)]
        done = await asyncio.gather(*(one_client(share) for share in shares))
    return [batch_id for ids in done for batch_id in ids]


async def drain(profile: Profile, ids: Sequence[str]) -> float:
    """Wait until the round's batches are final; seconds from first claim to last finish."""
    wanted = [uuid.UUID(batch_id) for batch_id in ids]
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        rows = await profile.fetch(
            "SELECT count(*) FILTER (WHERE status IN ('completed', 'failed')) AS final, "
            "count(*) FILTER (WHERE status = 'failed') AS failed, "
            "min(started_at) AS first, max(finished_at) AS last "
            "FROM batches WHERE id = ANY($1::uuid[])",
            wanted,
        )
        row = rows[0]
        if row["failed"]:
            raise RuntimeError(f"{row['failed']} batches failed; see the worker logs")
        if row["final"] == len(wanted):
            return float((row["last"] - row["first"]).total_seconds())
        await asyncio.sleep(POLL_SECONDS)
    raise RuntimeError(f"the queue did not drain in {DRAIN_SECONDS} s")


async def unclean_items(profile: Profile, ids: Sequence[str]) -> int:
    """Items refused by a rule: must be 0, or the rounds did not do the same work."""
    rows = await profile.fetch(
        "SELECT count(*) AS refused FROM batch_results r, "
        "jsonb_array_elements(convert_from(r.items, 'UTF8')::jsonb) AS item "
        "WHERE r.batch_id = ANY($1::uuid[]) AND (item ->> 'success')::boolean = false",
        [uuid.UUID(batch_id) for batch_id in ids],
    )
    return int(rows[0]["refused"])


def run_round(
    profile: Profile, base_url: str, key: str, payloads: Sequence[bytes], workers: int
) -> tuple[int, float]:
    ids = asyncio.run(submit_all(base_url, key, payloads))
    started = [
        profile.start(f"worker-{workers}-{n}", "worker", "--concurrency", str(WORKER_CONCURRENCY))
        for n in range(workers)
    ]
    try:
        seconds = asyncio.run(drain(profile, ids))
    finally:
        for process in started:
            profile.stop(process)
    refused = asyncio.run(unclean_items(profile, ids))
    if refused:
        raise RuntimeError(f"{refused} items were refused; the payloads are not clean")
    return len(ids) * ITEMS_PER_BATCH, seconds


def run(batches: int, postgres_url: str, redis_url: str, port: int) -> list[tuple[str, int, float]]:
    """(scenario, items, seconds) for 1 and 2 worker processes."""
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="sellers-center-bench-prod-") as folder,
        scratch_database(postgres_url) as url,
    ):
        profile = Profile(Path(folder), url, redis_url)
        try:
            key = start_api(profile, port)
            base_url = f"http://127.0.0.1:{port}"
            for round_number, workers in enumerate((1, 2)):
                first = 100_000 + round_number * batches
                payloads = [product_batch(first + n, ITEMS_PER_BATCH) for n in range(batches)]
                items, seconds = run_round(profile, base_url, key, payloads, workers)
                label = f"PostgreSQL, {workers} worker process{'es' if workers > 1 else ''}"
                rows.append((f"{label} x {WORKER_CONCURRENCY} slots, drain", items, seconds))
        finally:
            profile.stop_all()
    return rows
