"""Chaos: workers killed and PostgreSQL restarted under load lose and duplicate nothing.

Criterion: 2 API + 3 worker processes under a steady load of product and stock batches; 10
times, a random worker is killed with SIGKILL and restarted; PostgreSQL is restarted once
mid-run. At the end every accepted batch is final, none is lost, none was applied twice (stored
state equals a serial replay), and the run prints these counts.

Design:

- The cluster (``processes.cluster``) runs with short leases and backoff and a high attempt
  limit, so kills and the restart cost seconds and never exhaust a batch's attempts.
- Load (``chaos_load.Load``): one thread per seller; product batches of new styles (waited for),
  then stock batches on known SKUs (not waited for), every stock item with a ``valid_at`` from
  one strictly increasing counter: outcomes depend only on the order batches apply in.
- Chaos (``Chaos``, a thread beside the load): every ``CHAOS_INTERVAL_SECONDS`` a random running
  worker gets SIGKILL and a replacement starts; after the 5th kill PostgreSQL restarts once.
- Then: wait until every stored batch is final, and check (1) every accepted batch is stored and
  final, (2) none failed, (3) the results endpoint serves the stored result, one item per
  submitted item, (4) a serial replay of every stored batch, in ``finished_at`` order (commit
  order for batches touching the same rows: a batch waits on the other's row locks before it
  stamps its finish time), on a fresh database gives the same result per batch and the same
  variants, styles and status history: a batch applied twice would have added history rows or
  changed quantities or stock validity times.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sellers_center.accounts import service as accounts
from sellers_center.catalog import service as catalog
from sellers_center.db import Database
from sellers_center.db.tables import (
    Batch,
    BatchPayload,
    BatchResult,
    ProductStyle,
    ProductVariant,
    Seller,
    SellerBrand,
    StyleStatusChange,
)
from sellers_center.engine import service
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests import support
from tests.production.chaos_load import REQUEST_TIMEOUT_SECONDS, AcceptedBatch, Load, LoadSeller
from tests.production.processes import Cluster, Process, cluster, seller_key
from tests.support import IS_CI

SETTINGS = {
    "SELLERS_CENTER_LEASE_SECONDS": "3",
    "SELLERS_CENTER_MAINTENANCE_INTERVAL_SECONDS": "0.5",
    "SELLERS_CENTER_WORKER_POLL_SECONDS": "0.2",
    # Kills and the restart each cost a batch at most an attempt or two: never exhausted.
    "SELLERS_CENTER_MAX_ATTEMPTS": "50",
    "SELLERS_CENTER_RETRY_BACKOFF_SECONDS": "0.1",
    "SELLERS_CENTER_RATE_LIMITS_ENABLED": "false",
}
API_PROCESSES = 2
WORKER_PROCESSES = 3
WORKER_CONCURRENCY = 2
SELLER_NAMES = ("chaos-a", "chaos-b")

LOAD_SECONDS = 40.0
KILLS = 10
CHAOS_INTERVAL_SECONDS = 3.5
RESTART_POSTGRES_AFTER_KILL = 5

# Bounds, not expectations (2 shared cores; other tests may run beside this one).
CHAOS_MAX_SECONDS = 120.0
LOAD_STOP_SECONDS = 150.0  # a thread may be inside a bounded submit or result wait
WORKER_READY_SECONDS = 30.0
POSTGRES_READY_SECONDS = 60.0
PG_CTL_TIMEOUT_SECONDS = 90.0
FINAL_WAIT_SECONDS = 180.0
FINAL_POLL_SECONDS = 0.5
SHOWN_PROBLEMS = 20

# A standalone worker logs this once it has migrated and runs its claim loops.
WORKER_READY_LINE = "batch notifications: listening"
FINAL = ("completed", "failed")
POSTGRES_HOST = "127.0.0.1"


# --- PostgreSQL, as an operator restarts it -------------------------------------------------------


def postgres_version() -> str | None:
    folder = Path("/etc/postgresql")
    versions = [entry.name for entry in folder.iterdir()] if folder.is_dir() else []
    numeric = [version for version in versions if version.replace(".", "").isdigit()]
    return max(numeric, key=lambda v: [int(part) for part in v.split(".")], default=None)


def pg_ctlcluster(action: str) -> subprocess.CompletedProcess[str]:
    version = postgres_version()
    assert version is not None
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        capture_output=True,
        text=True,
        timeout=PG_CTL_TIMEOUT_SECONDS,
        check=False,
    )


def postgres_answers() -> bool:
    command = ["pg_isready", "-h", POSTGRES_HOST, "-q"]
    return subprocess.run(command, timeout=15, check=False).returncode == 0


def wait_for_postgres(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if postgres_answers():
            return True
        time.sleep(0.2)
    return False


def ensure_postgres_running() -> None:
    """Leave the server up for the rest of the suite, whatever happened."""
    if not postgres_answers():
        pg_ctlcluster("start")
        wait_for_postgres(POSTGRES_READY_SECONDS)


def require_postgres_control() -> None:
    missing = [tool for tool in ("pg_ctlcluster", "pg_isready") if shutil.which(tool) is None]
    reason = None
    if os.geteuid() != 0 or missing or postgres_version() is None:
        reason = (
            "the chaos test restarts the local PostgreSQL: needs root, pg_ctlcluster and "
            f"pg_isready (euid {os.geteuid()}, missing {missing}, version {postgres_version()})"
        )
    elif not postgres_answers():
        reason = f"PostgreSQL does not answer on {POSTGRES_HOST}"
    if reason is not None:
        if IS_CI:
            pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
        pytest.skip(reason)


# --- chaos ------------------------------------------------------------------------------------


@dataclass
class Chaos:
    """Kills workers and restarts PostgreSQL while the load runs (a thread's body: ``run``)."""

    cluster: Cluster
    workers: list[Process]
    rng: random.Random
    killed: list[Process] = field(default_factory=list)
    postgres_restarts: int = 0
    postgres_down_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def run(self, load_failed: threading.Event) -> None:
        try:
            for kill_number in range(1, KILLS + 1):
                if load_failed.wait(CHAOS_INTERVAL_SECONDS):
                    return
                self.kill_and_replace()
                if kill_number == RESTART_POSTGRES_AFTER_KILL:
                    self.restart_postgres()
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}")
            load_failed.set()
        finally:
            try:
                ensure_postgres_running()
            except Exception as error:
                self.errors.append(f"PostgreSQL not restarted: {type(error).__name__}: {error}")

    def kill_and_replace(self) -> None:
        running = [worker for worker in self.workers if worker.is_running()]
        assert running, "no worker left running:\n" + "\n".join(tail(w) for w in self.workers)
        victim = self.rng.choice(running)
        victim.kill()
        self.killed.append(victim)
        self.workers.remove(victim)
        number = WORKER_PROCESSES + len(self.killed)
        self.workers.append(
            self.cluster.start_worker(f"worker-{number}", concurrency=WORKER_CONCURRENCY)
        )

    def restart_postgres(self) -> None:
        # A worker still migrating when the server goes away would exit (it cannot start):
        # restart only once every worker runs its loops.
        for worker in self.workers:
            wait_until_ready(worker)
        started = time.monotonic()
        try:
            restarted = pg_ctlcluster("restart")
            assert restarted.returncode == 0, f"pg_ctlcluster restart: {restarted.stderr}"
            assert wait_for_postgres(POSTGRES_READY_SECONDS), (
                f"PostgreSQL did not answer {POSTGRES_READY_SECONDS} s after its restart"
            )
            self.postgres_restarts += 1
        finally:
            self.postgres_down_seconds = time.monotonic() - started
            ensure_postgres_running()


def wait_until_ready(worker: Process) -> None:
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while WORKER_READY_LINE not in worker.log():
        assert worker.is_running(), f"{worker.name} exited at start:\n{tail(worker)}"
        assert time.monotonic() < deadline, (
            f"{worker.name} not ready in {WORKER_READY_SECONDS} s:\n{tail(worker)}"
        )
        time.sleep(0.1)


def tail(process: Process, lines: int = 20) -> str:
    return f"--- {process.name}\n" + "\n".join(process.log().splitlines()[-lines:])


def log_lines(processes: list[Process], needle: str, limit: int = 15) -> str:
    found = [
        f"{process.name}: {line}"
        for process in processes
        for line in process.log().splitlines()
        if needle in line
    ]
    return "\n".join(found[:limit]) or f"(no log line mentions {needle})"


# --- the stored state -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBatch:
    batch_id: uuid.UUID
    kind: str
    seller_id: int
    status: str
    item_count: int
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None
    body: bytes
    result: bytes | None


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, in forms two databases can be compared by (no ids, no times)."""

    sellers: list[tuple[int, str]]
    seller_brands: set[tuple[int, int]]
    batches: dict[uuid.UUID, StoredBatch]
    # (seller_id, sku) -> (style_key, ean, data, stock_valid_at, price_valid_at, is_sellable)
    variants: dict[tuple[int, str], tuple[Any, ...]]
    styles: set[tuple[int, str, str]]
    # (seller_id, style_key) -> [(from, to, cause, detail, batch id)] in the order recorded
    history: dict[tuple[int, str], list[tuple[Any, ...]]]


def canonical(text: str | bytes | None) -> str | None:
    return None if text is None else json.dumps(json.loads(text), sort_keys=True)


async def read_snapshot(url: str) -> Snapshot:
    database = Database(url)
    try:
        async with database.read_session() as session:
            sellers = [
                (row.id, row.name)
                for row in await session.execute(select(Seller.id, Seller.name).order_by(Seller.id))
            ]
            brands = {
                (row.seller_id, row.brand_id)
                for row in await session.execute(
                    select(SellerBrand.seller_id, SellerBrand.brand_id)
                )
            }
            batch_rows = await session.execute(
                select(Batch, BatchPayload.body, BatchResult.items)
                .join(BatchPayload, BatchPayload.batch_id == Batch.id)
                .outerjoin(BatchResult, BatchResult.batch_id == Batch.id)
            )
            batches = {
                batch.id: StoredBatch(
                    batch.id,
                    batch.kind,
                    batch.seller_id,
                    batch.status,
                    batch.item_count,
                    batch.attempts,
                    batch.created_at,
                    batch.finished_at,
                    batch.last_error,
                    body,
                    items,
                )
                for batch, body, items in batch_rows
            }
            variant_rows = await session.execute(
                select(ProductVariant, ProductStyle.style_key).join(
                    ProductStyle, ProductStyle.id == ProductVariant.style_id
                )
            )
            variants = {
                (variant.seller_id, variant.sku): (
                    style_key,
                    variant.ean,
                    canonical(variant.data),
                    variant.stock_valid_at,
                    canonical(variant.price_valid_at),
                    variant.is_sellable,
                )
                for variant, style_key in variant_rows
            }
            styles = {
                (row.seller_id, row.style_key, row.status)
                for row in await session.execute(
                    select(ProductStyle.seller_id, ProductStyle.style_key, ProductStyle.status)
                )
            }
            history: dict[tuple[int, str], list[tuple[Any, ...]]] = defaultdict(list)
            history_rows = await session.execute(
                select(
                    ProductStyle.seller_id,
                    ProductStyle.style_key,
                    StyleStatusChange.from_status,
                    StyleStatusChange.to_status,
                    StyleStatusChange.cause,
                    StyleStatusChange.detail,
                    StyleStatusChange.batch_id,
                )
                .join(ProductStyle, ProductStyle.id == StyleStatusChange.style_id)
                .order_by(StyleStatusChange.id)
            )
            for seller_id, style_key, *change in history_rows:
                history[(seller_id, style_key)].append(tuple(change))
    finally:
        await database.dispose()
    return Snapshot(sellers, brands, batches, variants, styles, dict(history))


async def open_batches(url: str) -> list[str]:
    """Wait (bounded) until every stored batch is final; the ones still open otherwise."""
    database = Database(url)
    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    try:
        while True:
            async with database.read_session() as session:
                rows = (
                    await session.execute(
                        select(
                            Batch.id,
                            Batch.kind,
                            Batch.status,
                            Batch.attempts,
                            Batch.lease_owner,
                            Batch.available_at,
                            Batch.last_error,
                        ).where(Batch.status.not_in(FINAL))
                    )
                ).all()
            if not rows or time.monotonic() > deadline:
                return [str(tuple(row)) for row in rows]
            await asyncio.sleep(FINAL_POLL_SECONDS)
    finally:
        await database.dispose()


# --- serial replay --------------------------------------------------------------------------


def replay_order(batches: dict[uuid.UUID, StoredBatch]) -> list[StoredBatch]:
    """Commit order (see the module docstring); ties (batches sharing no rows) by arrival."""
    return sorted(
        batches.values(),
        key=lambda batch: (
            batch.finished_at or datetime.max.replace(tzinfo=UTC),
            batch.created_at,
            str(batch.batch_id),
        ),
    )


async def replay(
    url: str, ordered: list[StoredBatch], sellers: list[tuple[int, str]]
) -> dict[uuid.UUID, uuid.UUID]:
    """Apply every batch one at a time with an in-process worker; chaos id -> replay id."""
    runtime = Runtime.from_settings(Settings(database_url=url, rate_limits_enabled=False))
    mapping: dict[uuid.UUID, uuid.UUID] = {}
    try:
        async with runtime.database.write_session.begin() as session:
            await catalog.import_document(session, catalog.demo_document())
        for seller_id, name in sellers:
            async with runtime.database.write_session.begin() as session:
                created = await accounts.create_seller(session, name, None, runtime.clock.now())
            assert created == seller_id, f"replay seller {name} got id {created}, not {seller_id}"
        worker = runtime.worker()
        for batch in ordered:
            async with runtime.database.write_session.begin() as session:
                submission = await service.submit(
                    session,
                    kind=batch.kind,
                    seller_id=batch.seller_id,
                    body=batch.body,
                    item_count=batch.item_count,
                    now=runtime.clock.now(),
                )
            mapping[batch.batch_id] = submission.batch_id
            assert await worker.run_once(), f"replay: batch {batch.batch_id} was not claimed"
    finally:
        await runtime.database.dispose()
    return mapping


def compare(
    chaos: Snapshot,
    replayed: Snapshot,
    ordered: list[StoredBatch],
    mapping: dict[uuid.UUID, uuid.UUID],
) -> list[str]:
    """Every difference between the chaos run's state and the serial replay's."""
    problems = []
    if chaos.sellers != replayed.sellers or chaos.seller_brands != replayed.seller_brands:
        problems.append(f"sellers differ: {chaos.sellers} vs {replayed.sellers}")
    for position, batch in enumerate(ordered):
        again = replayed.batches[mapping[batch.batch_id]]
        if batch.status != again.status:
            problems.append(f"batch {batch.batch_id}: {batch.status}, replayed {again.status}")
        first = json.loads(batch.result or b"null")
        second = json.loads(again.result or b"null")
        if first != second:
            problems.append(
                f"batch {batch.batch_id} ({batch.kind}, #{position} of the replay, "
                f"{batch.attempts} attempts) result differs: "
                + first_difference(first or [], second or [])
            )
    for key in sorted(chaos.variants.keys() | replayed.variants.keys()):
        if chaos.variants.get(key) != replayed.variants.get(key):
            problems.append(
                f"variant {key}: stored {chaos.variants.get(key)}, "
                f"replayed {replayed.variants.get(key)}"
            )
    for style in sorted(chaos.styles ^ replayed.styles):
        side = "only stored" if style in chaos.styles else "only replayed"
        problems.append(f"style {style}: {side}")
    for key in sorted(chaos.history.keys() | replayed.history.keys()):
        stored = [
            (*change[:-1], mapping.get(change[-1], change[-1]))
            for change in chaos.history.get(key, [])
        ]
        if stored != replayed.history.get(key, []):
            problems.append(
                f"status history of {key}: stored {stored}, replayed {replayed.history.get(key)}"
            )
    return problems


def first_difference(first: list[Any], second: list[Any]) -> str:
    if len(first) != len(second):
        return f"{len(first)} items stored, {len(second)} replayed"
    for number, (one, other) in enumerate(zip(first, second, strict=True)):
        if one != other:
            return f"item {number}: stored {one}, replayed {other}"
    return "equal items"


# --- checks on the chaos run -----------------------------------------------------------------


def served_results(
    base_url: str, keys: dict[str, str], accepted: list[AcceptedBatch], chaos: Snapshot
) -> list[str]:
    """Each accepted batch's results, as served: the stored ones, one per submitted item."""
    problems = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        for batch in accepted:
            response = client.get(
                f"/api/v1/results/{batch.kind}",
                params={"batch_request_id": batch.batch_id},
                headers={"X-API-Key": keys[batch.seller]},
            )
            if response.status_code != 200:
                problems.append(f"{batch.batch_id}: {response.status_code} {response.text}")
                continue
            served = response.json()
            stored = chaos.batches[uuid.UUID(batch.batch_id)]
            echoes = [entry["requestItem"] for entry in served["items"]]
            if served["status"] != stored.status:
                problems.append(f"{batch.batch_id}: served {served['status']}, {stored.status}")
            elif served["items"] != json.loads(stored.result or b"[]"):
                problems.append(f"{batch.batch_id}: served items differ from the stored ones")
            elif len(served["items"]) != batch.item_count or echoes != batch.items:
                problems.append(
                    f"{batch.batch_id}: {len(served['items'])} results for {batch.item_count} "
                    "items, or their echoes differ from what was sent"
                )
    return problems


def summary(
    load: Load,
    chaos_run: Chaos,
    snapshot: Snapshot,
    lost: list[str],
    replay_problems: list[str],
    load_seconds: float,
    replay_seconds: float,
) -> str:
    by_kind = Counter(batch.kind for batch in load.accepted)
    statuses = Counter(batch.status for batch in snapshot.batches.values())
    accepted_ids = {uuid.UUID(batch.batch_id) for batch in load.accepted}
    unacknowledged = len(snapshot.batches.keys() - accepted_ids)
    retried = [batch for batch in snapshot.batches.values() if batch.attempts > 1]
    # Stock items refused as stale: outcomes that depend on the order batches applied in.
    refused = sum(
        not entry["success"]
        for batch in snapshot.batches.values()
        if batch.kind == "stocks"
        for entry in json.loads(batch.result or b"[]")
    )
    extra_attempts = sum(batch.attempts - 1 for batch in snapshot.batches.values())
    return "\n".join(
        [
            "",
            "chaos summary",
            f"  accepted batches:      {len(load.accepted)} "
            f"(products {by_kind['products']}, stocks {by_kind['stocks']})",
            f"  stored batches:        {len(snapshot.batches)} "
            f"({unacknowledged} stored without an acknowledgement)",
            f"  completed:             {statuses['completed']}",
            f"  failed:                {statuses['failed']}",
            f"  lost:                  {len(lost)}",
            f"  applied twice:         {len(replay_problems)} (replay mismatches)",
            f"  worker kills:          {len(chaos_run.killed)}",
            f"  PostgreSQL restarts:   {chaos_run.postgres_restarts} "
            f"(down {chaos_run.postgres_down_seconds:.1f} s)",
            f"  client retries:        {sum(load.retries.values())} (503/5xx/transport; "
            f"submits {load.retries['submit']}, result polls {load.retries['poll']})",
            f"  retried batches:       {len(retried)} ({extra_attempts} attempts beyond the first)",
            f"  stock items refused:   {refused} (stale: a later valid_at applied first)",
            f"  load duration:         {load_seconds:.1f} s",
            f"  replay duration:       {replay_seconds:.1f} s",
        ]
    )


def shown(problems: list[str]) -> str:
    more = len(problems) - SHOWN_PROBLEMS
    return "\n".join(problems[:SHOWN_PROBLEMS] + ([f"... and {more} more"] if more > 0 else []))


# --- the test -------------------------------------------------------------------------------


def run_load(running: Cluster, load: Load, sellers: list[LoadSeller], chaos_run: Chaos) -> float:
    """Load and chaos together; returns the load's duration."""
    seed = random.randrange(2**32)
    threads = [
        threading.Thread(
            target=load.run_seller,
            args=(seller, seed + number),
            name=f"load-{seller.name}",
            daemon=True,  # bounded anyway; never keeps pytest from exiting
        )
        for number, seller in enumerate(sellers)
    ]
    chaos_thread = threading.Thread(
        target=chaos_run.run, args=(load.stop,), name="chaos", daemon=True
    )
    started = time.monotonic()
    for thread in [*threads, chaos_thread]:
        thread.start()
    chaos_thread.join(CHAOS_MAX_SECONDS)
    if chaos_thread.is_alive():
        load.stop.set()
    assert not chaos_thread.is_alive(), f"the chaos did not end in {CHAOS_MAX_SECONDS} s"
    load.stop.wait(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
    load.stop.set()
    for thread in threads:
        thread.join(LOAD_STOP_SECONDS)
    duration = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a load thread did not stop"
    assert not chaos_run.errors, f"chaos (seed {seed}): {chaos_run.errors}"
    assert not load.errors, f"load (seed {seed}): {load.errors}\n" + "\n".join(
        tail(process) for process in running.processes
    )
    return duration


def test_chaos_kills_and_a_database_restart_lose_and_duplicate_no_batch(
    production_database: str,
    redis_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_postgres_control()
    try:
        with cluster(tmp_path, production_database, redis_url, SETTINGS) as running:
            keys = {name: seller_key(running, name) for name in SELLER_NAMES}
            apis = [running.start_api(f"api-{n}") for n in range(1, API_PROCESSES + 1)]
            workers = [
                running.start_worker(f"worker-{n}", concurrency=WORKER_CONCURRENCY)
                for n in range(1, WORKER_PROCESSES + 1)
            ]
            for worker in workers:
                wait_until_ready(worker)
            sellers = [LoadSeller(name, keys[name], name[-1].upper()) for name in SELLER_NAMES]
            load = Load([str(api.base_url) for api in apis])
            chaos_run = Chaos(running, workers, random.Random())
            load_seconds = run_load(running, load, sellers, chaos_run)

            still_open = asyncio.run(open_batches(production_database))
            assert not still_open, (
                f"{len(still_open)} batches not final {FINAL_WAIT_SECONDS} s after the load:\n"
                + shown(still_open)
                + "\n"
                + "\n".join(tail(process) for process in running.processes)
            )
            snapshot = asyncio.run(read_snapshot(production_database))
            served = served_results(str(apis[0].base_url), keys, load.accepted, snapshot)
            exited = [
                tail(process)
                for process in running.processes
                if not process.is_running() and process not in chaos_run.killed
            ]
            processes = list(running.processes)
    finally:
        ensure_postgres_running()

    lost = [
        f"{batch.kind} batch {batch.batch_id} of {batch.seller}"
        for batch in load.accepted
        if uuid.UUID(batch.batch_id) not in snapshot.batches
    ]
    failed = [batch for batch in snapshot.batches.values() if batch.status != "completed"]

    ordered = replay_order(snapshot.batches)
    replay_url = support.create_postgres_database()
    replay_started = time.monotonic()
    try:
        mapping = asyncio.run(replay(replay_url, ordered, snapshot.sellers))
        replayed = asyncio.run(read_snapshot(replay_url))
    finally:
        support.drop_postgres_database(replay_url)
    replay_seconds = time.monotonic() - replay_started
    replay_problems = compare(snapshot, replayed, ordered, mapping)

    with capsys.disabled():
        print(
            summary(load, chaos_run, snapshot, lost, replay_problems, load_seconds, replay_seconds)
        )

    assert len(chaos_run.killed) == KILLS
    assert chaos_run.postgres_restarts == 1
    assert not lost, "accepted batches missing from the database:\n" + shown(lost)
    assert not failed, "batches not completed:\n" + "\n".join(
        f"{batch.batch_id} ({batch.kind}, {batch.status}, {batch.attempts} attempts): "
        f"{batch.last_error}\n{log_lines(processes, str(batch.batch_id))}"
        for batch in failed[:SHOWN_PROBLEMS]
    )
    assert not served, "results served differ from the stored ones:\n" + shown(served)
    assert not load.product_item_failures, "valid product items were refused:\n" + shown(
        load.product_item_failures
    )
    assert not replay_problems, (
        "the stored state differs from a serial replay (a batch applied twice or lost its "
        "effect):\n"
        + shown(replay_problems)
        + "\n"
        + "\n".join(
            log_lines(processes, problem.split()[1])
            for problem in replay_problems[:3]
            if problem.startswith("batch ")
        )
    )
    assert not exited, "processes exited although nobody stopped them:\n" + "\n".join(exited)
