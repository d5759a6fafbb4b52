"""How the embedded server slows as its database grows: variants for ingest, batches for the
latency of submits and results reads.

    .venv/bin/python -m bench.growth [--variants 10000,50000,100000,200000]
        [--batches 1000,10000,100000,1000000] [--parts variants,batches]

Each part grows one database step by step with SQL while its server is stopped (bench/seed.py:
copies of rows the service stored itself, no ``ANALYZE``), then starts the server and measures:

- variants: the demo seller holds N variants; 8 clients ingest ``--ingest-batches`` 100-item
  product batches of new styles (after a warm-up of one batch per client); items per second.
- batches: the database holds N final batches (1-item stock batches created over the last 20
  days, all the demo seller's); one client submits ``--submits`` 100-item product batches one
  at a time, each waited for, then reads ``--reads`` results of stored batches drawn from the
  whole table. Submit: the POST's round trip, and submit to ``completed`` as the server
  recorded it; results: the GET's round trip; p50 and p99 of each.

The defaults took 4 to 5 minutes on this 2-core machine while others used it (seeding a million
batches took 25 s of it); each size list can be shortened, and ``--ingest-batches``,
``--submits`` and ``--reads`` set the samples per size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import seed, seeded
from bench.client import LeanClient
from bench.embedded import EmbeddedServer, demo_seller_id
from bench.ingest import ITEMS_PER_BATCH, percentile, submit
from bench.payloads import product_batch

# Submitted batches of the batches part are numbered from here, apart from every other run's.
SUBMIT_FIRST_BATCH = 700_000
# One client waits for each submitted batch by reading the database this often.
FINAL_POLL_SECONDS = 0.01
FINISH_SECONDS = 300


def sizes(text: str) -> list[int]:
    return sorted(int(part.replace("_", "")) for part in text.split(",") if part)


def variants_part(options: argparse.Namespace, folder: Path, template: seeded.Template) -> None:
    server = seeded.server_on_copy(template, folder / "variants")
    seller_id = demo_seller_id(server.database)
    rows: list[list[str]] = []
    first_rate = 0.0
    for step, size in enumerate(options.variants):
        stored = seed.count(server.database, "product_variants", seller_id)
        started = time.perf_counter()
        seed.seed_variants(server.database, seller_id, size)
        seeding = time.perf_counter() - started
        with server.start():
            seeded.warm_up(server, options.clients, seeded.WARMUP_BATCHES + step * options.clients)
            payloads = seeded.measured_payloads(
                options.ingest_batches, seeded.MEASURED_BATCHES + step * options.ingest_batches
            )
            run = seeded.ingest(server, payloads, options.clients)
        first_rate = first_rate or run.rate
        rows.append(
            [
                f"{max(size, stored):,}",
                f"{seeding:.1f}",
                f"{run.items:,}",
                f"{run.seconds:.1f}",
                f"{run.rate:,.0f}",
                f"{run.rate / first_rate:.2f}",
            ]
        )
        print(f"  {size:,} variants measured; {load_average()}", flush=True)
    print(f"\ningest, {options.clients} clients, 100-item product batches of new styles:")
    print_rows(["variants stored", "seeded s", "items", "seconds", "items/s", "vs first"], rows)


async def latencies(
    server: EmbeddedServer, submits: int, stored_ids: Sequence[str], first: int
) -> dict[str, list[float]]:
    """Submits one at a time, each waited for; then results reads of ``stored_ids``."""
    measured: dict[str, list[float]] = {"submit": [], "completed": [], "results": []}
    async with LeanClient(server.url, {"X-API-Key": server.key}) as client:
        for number in range(submits):
            body = product_batch(first + number, ITEMS_PER_BATCH)
            started = time.perf_counter()
            batch_id = await submit(client, body)
            measured["submit"].append(time.perf_counter() - started)
            await _wait_final(server, batch_id)
            (created, finished, status) = server.timings([batch_id]).popitem()[1]
            if status != "completed":
                raise RuntimeError(f"batch {batch_id} {status}")
            measured["completed"].append((finished - created).total_seconds())
        for batch_id in stored_ids:
            started = time.perf_counter()
            response = await client.get(
                "/api/v1/results/stocks", params={"batch_request_id": batch_id}
            )
            measured["results"].append(time.perf_counter() - started)
            response.raise_for_status()
    return measured


async def _wait_final(server: EmbeddedServer, batch_id: str) -> None:
    deadline = time.monotonic() + FINISH_SECONDS
    while not server.timings([batch_id]):
        if time.monotonic() > deadline:
            raise RuntimeError(f"batch {batch_id} was not final after {FINISH_SECONDS} s")
        await asyncio.sleep(FINAL_POLL_SECONDS)


def batches_part(options: argparse.Namespace, folder: Path, template: seeded.Template) -> None:
    server = seeded.server_on_copy(template, folder / "batches")
    rows: list[list[str]] = []
    for step, size in enumerate(options.batches):
        started = time.perf_counter()
        seed.seed_batches(server.database, template.stock_batch_id, size)
        seeding = time.perf_counter() - started
        stored_ids = seed.stored_batch_ids(server.database, "stocks", options.reads, seed=step)
        with server.start():
            warmup = SUBMIT_FIRST_BATCH + step * (options.submits + 1)
            asyncio.run(latencies(server, 1, stored_ids[:10], warmup))
            measured = asyncio.run(latencies(server, options.submits, stored_ids, warmup + 1))
        row = [f"{size:,}", f"{seeding:.1f}"]
        for name in ("submit", "completed", "results"):
            row += [
                f"{percentile(measured[name], 50):.1f}",
                f"{percentile(measured[name], 99):.1f}",
            ]
        rows.append(row)
        print(f"  {size:,} batches measured; {load_average()}", flush=True)
    print(
        f"\nlatency in ms, one client: {options.submits} submits of 100-item product batches "
        f"(each waited for), {options.reads} results reads of stored batches:"
    )
    header = ["batches stored", "seeded s", "submit p50", "p99", "completed p50", "p99"]
    print_rows([*header, "results p50", "p99"], rows)


def print_rows(header: list[str], rows: list[list[str]]) -> None:
    table = [header, *rows]
    widths = [max(len(line[n]) for line in table) for n in range(len(header))]
    for number, line in enumerate(table):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def load_average() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", default="variants,batches")
    parser.add_argument("--variants", type=sizes, default="10000,50000,100000,200000")
    parser.add_argument("--batches", type=sizes, default="1000,10000,100000,1000000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--ingest-batches", type=int, default=48, help="per variants size")
    parser.add_argument("--submits", type=int, default=200, help="per batches size")
    parser.add_argument("--reads", type=int, default=1000, help="per batches size")
    options = parser.parse_args()
    started = time.perf_counter()
    print(f"start: {load_average()} ({os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-growth-") as folder:
        template = seeded.prepare_template(Path(folder) / "template")
        if "variants" in options.parts:
            variants_part(options, Path(folder), template)
        if "batches" in options.parts:
            batches_part(options, Path(folder), template)
    print(f"\nend: {load_average()}; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
