"""Every row of the performance table, each against its reference measured in the same run.

    .venv/bin/python -m bench.table [--quick] [--rows abcde]

a. Results read: ``GET /api/v1/results/products`` of a completed 100-item batch on a real
   embedded server, against a raw ASGI app sending the same bytes under the same uvicorn
   configuration, both driven by bench/loadgen.py at the same concurrency (bench/reads.py).
b. End-to-end ingest: 8 clients submitting 100-item product batches and waiting for them,
   against validating the same payloads with the contract models on one core (bench/ingest.py).
c. Ingest with 200,000 variants stored against 10,000: the same measured batches on two copies
   of one database, grown with SQL while no server ran (bench/seed.py, bench/seeded.py).
d. Submit to ``completed`` at half of the saturated throughput of (b), on the same server:
   Poisson arrivals for a fixed time; p50/p99 as the server recorded them (bench/openloop.py).
e. PostgreSQL, 1 and 2 standalone worker processes draining the same work, in rounds 1, 2, 2, 1
   (bench/production.py); the ratio is the mean of the 2-process rounds over the 1-process ones.

The machine's load average is printed at the start and the end: these figures are only
comparable between runs on a machine that was equally quiet. A run took 3.5 to 4 minutes here;
``--quick`` takes fewer samples of the same sizes (noisier; server starts, seeding and the
PostgreSQL rounds' set-up stay), about a minute less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench import openloop, production, reads, seed, seeded
from bench.embedded import EmbeddedServer, demo_seller_id
from bench.ingest import ITEMS_PER_BATCH, ceiling, free_port
from bench.payloads import product_batch
from bench.postgres import DEFAULT_POSTGRES_URL, scratch_database

# Open-loop payloads are numbered apart from those of (b), so they create new styles too.
OPEN_LOOP_FIRST_BATCH = 500_000
POSTGRES_ROUNDS = (1, 2, 2, 1)
POSTGRES_FIRST_BATCH = 100_000


@dataclass
class Row:
    what: str
    measured: str
    reference: str
    ratio: str
    target: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def add(self, row: Row, *details: str) -> None:
        self.rows.append(row)
        self.details += [f"{row.what}:"] + [f"  {line}" for line in details if line]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def results_read(options: argparse.Namespace, folder: Path, report: Report) -> None:
    result = reads.measure(
        folder,
        connections=options.connections,
        processes=options.generator_processes,
        seconds=options.read_seconds,
    )
    report.add(
        Row(
            f"results read, completed 100-item batch, c={options.connections}",
            f"{result.rate('app'):,.0f} req/s",
            f"{result.rate('raw'):,.0f} req/s raw ASGI",
            f"{result.ratio:.3f}",
            "≥ 0.3",
        ),
        *reads.describe(
            result, connections=options.connections, processes=options.generator_processes
        )[1:],
    )


def ingest_and_latency(options: argparse.Namespace, folder: Path, report: Report) -> None:
    """(b), then (d) on the same server at half of the throughput (b) measured."""
    payloads = seeded.measured_payloads(options.batches)
    before = ceiling(payloads, collect=False)
    with EmbeddedServer(folder).start() as server:
        seeded.warm_up(server, options.clients)
        run = seeded.ingest(server, payloads, options.clients)
        after = ceiling(payloads, collect=False)
        # The validation reference is measured on both sides of the run, so that a change of
        # the machine's load during it weighs on both.
        rates = [row.items / row.seconds for row in (before, after)]
        reference = statistics.mean(rates)
        report.add(
            Row(
                f"ingest, {options.clients} clients, 100-item product batches",
                f"{run.rate:,.0f} items/s",
                f"{reference:,.0f} items/s validation, 1 core",
                f"{run.rate / reference:.3f}",
                "≥ 0.2",
            ),
            f"{run.items:,} items in {run.seconds:.1f} s after a warm-up of {options.clients} "
            f"batches; validation of the same payloads before and after: "
            f"{rates[0]:,.0f} and {rates[1]:,.0f} items/s",
        )
        saturated = run.rate / ITEMS_PER_BATCH
        loop = openloop.run(
            server,
            saturated / 2,
            options.latency_seconds,
            lambda n: product_batch(OPEN_LOOP_FIRST_BATCH + n, ITEMS_PER_BATCH),
        )
    report.add(
        Row(
            "p99 submit → completed, 100-item batches, ½ saturation",
            f"{loop.percentile_ms(99):,.0f} ms (p50 {loop.percentile_ms(50):,.0f})",
            f"{loop.offered_rate:.2f} batches/s = ½ of {saturated:.2f}",
            "",
            "< 250 ms",
        ),
        f"{len(loop.batch_ids)} batches, Poisson arrivals over {loop.seconds:g} s, on the "
        f"server of the row above; the client sent at most {loop.worst_lag * 1000:.0f} ms late",
    )


def variants_growth(options: argparse.Namespace, folder: Path, report: Report) -> None:
    """Both servers run side by side and are measured in rounds small, large, large, small on
    the same payloads, so that a change of the machine's load touches both alike."""
    template = seeded.prepare_template(folder / "template")
    sizes = (options.small_variants, options.large_variants)
    servers, notes = {}, []
    try:
        for size in sizes:
            servers[size] = seeded.server_on_copy(template, folder / f"variants-{size}")
            started = time.perf_counter()
            database = servers[size].database
            added = seed.seed_variants(database, demo_seller_id(database), size)
            notes.append(f"seeded {added:,} variants in {time.perf_counter() - started:.1f} s")
            servers[size].start()
            seeded.warm_up(servers[size], options.clients)
        per_round = max(1, options.growth_batches // 2)
        rounds: list[tuple[int, float]] = []
        for number, size in enumerate((*sizes, *reversed(sizes))):
            # Rounds 1 and 2 send one set of payloads, rounds 3 and 4 another.
            first = seeded.MEASURED_BATCHES + (number // 2) * per_round
            payloads = seeded.measured_payloads(per_round, first)
            rounds.append((size, seeded.ingest(servers[size], payloads, options.clients).rate))
    finally:
        for server in servers.values():
            server.stop()
    small, large = (statistics.mean(r for s, r in rounds if s == size) for size in sizes)
    notes.append(
        f"{per_round} batches per round; rounds "
        + ", ".join(f"{size:,}: {rate:,.0f}" for size, rate in rounds)
        + " items/s"
    )
    report.add(
        Row(
            f"ingest, {sizes[1]:,} variants stored vs {sizes[0]:,}",
            f"{large:,.0f} items/s",
            f"{small:,.0f} items/s",
            f"{large / small:.3f}",
            "≥ 0.8",
        ),
        *notes,
    )


def postgres_scaling(options: argparse.Namespace, folder: Path, report: Report) -> None:
    what = "PostgreSQL, 1 → 2 standalone worker processes"
    try:
        rates = _postgres_rounds(options, folder)
    except (OSError, asyncpg.PostgresError) as error:
        report.add(Row(what, "skipped", "", "", "≥ 1.8"), f"PostgreSQL not usable: {error!r}")
        return
    one = statistics.mean(rate for workers, rate in rates if workers == 1)
    two = statistics.mean(rate for workers, rate in rates if workers == 2)
    report.add(
        Row(
            what, f"{two:,.0f} items/s (2)", f"{one:,.0f} items/s (1)", f"{two / one:.2f}", "≥ 1.8"
        ),
        f"{options.postgres_batches} batches per round; rounds "
        + ", ".join(f"{workers}: {rate:,.0f} items/s" for workers, rate in rates),
    )


def _postgres_rounds(options: argparse.Namespace, folder: Path) -> list[tuple[int, float]]:
    rates = []
    with scratch_database(options.postgres_url) as url:
        profile = production.Profile(folder, url, options.redis_url)
        port = free_port()
        try:
            key = production.start_api(profile, port)
            for number, workers in enumerate(POSTGRES_ROUNDS):
                first = POSTGRES_FIRST_BATCH + number * options.postgres_batches
                payloads = [
                    product_batch(first + n, ITEMS_PER_BATCH)
                    for n in range(options.postgres_batches)
                ]
                items, seconds = production.run_round(
                    profile, f"http://127.0.0.1:{port}", key, payloads, workers
                )
                rates.append((workers, items / seconds))
        finally:
            profile.stop_all()
    return rates


PARTS: dict[str, Callable[[argparse.Namespace, Path, Report], None]] = {
    "a": results_read,
    "b": ingest_and_latency,  # and d
    "c": variants_growth,
    "e": postgres_scaling,
}


def print_report(report: Report) -> None:
    header = ["what", "measured", "reference", "ratio", "target"]
    lines = [header] + [[r.what, r.measured, r.reference, r.ratio, r.target] for r in report.rows]
    widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
    for number, line in enumerate(lines):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
    print("\n".join(report.details))


def options_from(arguments: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples of the same sizes")
    parser.add_argument("--rows", default="abcde", help="which rows (d comes with b)")
    parser.add_argument("--connections", type=int, default=16, help="(a) concurrency")
    parser.add_argument("--generator-processes", type=int, default=1, help="(a) load generator")
    parser.add_argument("--read-seconds", type=float, help="(a) each round [5; quick 3]")
    parser.add_argument("--clients", type=int, default=8, help="(b, c) concurrent clients")
    parser.add_argument("--batches", type=int, help="(b) measured batches [200; quick 80]")
    parser.add_argument("--latency-seconds", type=float, help="(d) open loop [30; quick 15]")
    parser.add_argument("--growth-batches", type=int, help="(c) per size [48; quick 24]")
    parser.add_argument("--small-variants", type=int, default=10_000)
    parser.add_argument("--large-variants", type=int, default=200_000)
    parser.add_argument("--postgres-batches", type=int, help="(e) per round [100; quick 40]")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--redis-url", default=production.DEFAULT_REDIS_URL)
    options = parser.parse_args(arguments)
    defaults = {
        "read_seconds": (5.0, 3.0),
        "batches": (200, 80),
        "latency_seconds": (30.0, 15.0),
        "growth_batches": (48, 24),
        "postgres_batches": (100, 40),
    }
    for name, (full, quick) in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, quick if options.quick else full)
    return options


def main() -> None:
    options = options_from()
    started = time.perf_counter()
    print(f"start: {load_average()}", flush=True)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-table-") as folder:
        for name, part in PARTS.items():
            if name in options.rows:
                part_folder = Path(folder) / name
                part_folder.mkdir()
                part(options, part_folder, report)
                print(f"  {name} done, {load_average()}", flush=True)
    print()
    print_report(report)
    print(f"\nend: {load_average()}; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
