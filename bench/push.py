"""``push`` throughput beside ``make bench``'s ingest, in one run.

    .venv/bin/python -m bench.push [--clients 8] [--runs 1]

Measures, on this machine and in this run:

- the ceiling: validating the ingest's payloads with the contract models alone, one core;
- ingest as ``make bench`` measures it (bench/ingest.py): one client sending one 100-item batch
  at a time, then 8 clients saturating the server, on 5,000 new variants each;
- ``sellers-center-client push examples/demo-5000.jsonl --kind products --wait`` as a process
  against a fresh embedded server: wall time from start to exit (reading and checking the file,
  50 submits, polling to the end, reading the 7 failures back), and the server's own time from
  the first batch's creation to the last one's finish.

Every server is a fresh ``serve`` on SQLite with rate limits off, as ``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from examples import demo_sample

from bench.embedded import EmbeddedServer
from bench.ingest import (
    ITEMS_PER_BATCH,
    Row,
    Server,
    ceiling,
    print_table,
    run_clients,
    run_one_at_a_time,
    server_latencies,
)
from bench.payloads import product_batch

SAMPLE_ITEMS = 5000
INGEST_BATCHES = SAMPLE_ITEMS // ITEMS_PER_BATCH
PUSH_TIMEOUT_SECONDS = 600
SOME_ITEMS_FAILED = 3  # push's exit status: the sample's 7 flawed items were not applied


def ingest_rows(clients: int) -> list[Row]:
    payloads = [product_batch(number, ITEMS_PER_BATCH) for number in range(2 * INGEST_BATCHES)]
    one_at_a_time, saturated = payloads[:INGEST_BATCHES], payloads[INGEST_BATCHES:]
    rows = [ceiling(saturated, collect=False)]
    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-") as folder:
        server = Server(Path(folder))
        try:
            start = time.perf_counter()
            ids = asyncio.run(run_one_at_a_time(server, one_at_a_time))
            label = "ingest, 1 client, one 100-item batch at a time"
            elapsed = time.perf_counter() - start
            rows.append(
                Row(label, len(ids) * ITEMS_PER_BATCH, elapsed, server_latencies(server, ids))
            )
            ids, elapsed = asyncio.run(run_clients(server, saturated, clients))
            label = f"ingest, {clients} clients, saturated"
            rows.append(
                Row(label, len(ids) * ITEMS_PER_BATCH, elapsed, server_latencies(server, ids))
            )
        finally:
            server.stop()
    return rows


def push_rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-") as folder:
        work = Path(folder)
        sample = work / demo_sample.SAMPLE.name
        shutil.copyfile(demo_sample.SAMPLE, sample)
        with EmbeddedServer(work) as server:
            server.start()
            env = {
                **os.environ,
                "SELLERS_CENTER_CLIENT_BASE_URL": server.url,
                "SELLERS_CENTER_CLIENT_API_KEY": server.key,
            }
            command = [sys.executable, "-m", "sellers_center_client", "push", str(sample)]
            command += ["--kind", "products", "--wait", "--errors-out", str(work / "errors.csv")]
            start = time.perf_counter()
            finished = subprocess.run(
                command, cwd=work, env=env, capture_output=True, timeout=PUSH_TIMEOUT_SECONDS
            )
            elapsed = time.perf_counter() - start
            if finished.returncode != SOME_ITEMS_FAILED:
                raise RuntimeError(f"push ended with {finished.returncode}: {finished.stderr!r}")
            state = sample.with_name(sample.name + ".push-state")
            records = [json.loads(line) for line in state.read_text().splitlines()[1:]]
            ids = [record["batch"] for record in records if "batch" in record]
            timings = server.timings(ids)
    created = min(first for first, _, _ in timings.values())
    last = max(finish for _, finish, _ in timings.values())
    latencies = [(finish - first).total_seconds() for first, finish, _ in timings.values()]
    return [
        Row("push --wait, 1 process: start to exit", SAMPLE_ITEMS, elapsed),
        Row(
            "push --wait: first batch created to last final",
            SAMPLE_ITEMS,
            (last - created).total_seconds(),
            latencies,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent ingest clients")
    options = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    rows = ingest_rows(options.clients)
    rows += push_rows()
    print_table(rows)
    print(f"load average at end: {os.getloadavg()}")
    saturated, push_wall = rows[2], rows[3]
    ratio = (push_wall.items / push_wall.seconds) / (saturated.items / saturated.seconds)
    print(f"\npush (start to exit) / ingest saturated = {ratio:.2f}")


if __name__ == "__main__":
    main()
