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
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests import support
from tests.production.chaos_load import REQUEST_TIMEOUT_SECONDS, AcceptedBatch, Load, LoadSeller
from tests.production.chaos_replay import (
    FINAL_WAIT_SECONDS,
    Snapshot,
    compare,
    open_batches,
    read_snapshot,
    replay,
    replay_order,
)
from tests.production.private_postgres import PrivatePostgres
from tests.production.processes import Cluster, Process, cluster, seller_key

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

# The ten kills and the restart fit in the load's time; the replay's time grows with the batches
# the load stored (about 15 per second: 40 s of load took 36 s to replay).
LOAD_SECONDS = 24.0
KILLS = 10
CHAOS_INTERVAL_SECONDS = 2.0
RESTART_POSTGRES_AFTER_KILL = 5

# Bounds, not expectations (2 shared cores; other tests may run beside this one).
CHAOS_MAX_SECONDS = 120.0
LOAD_STOP_SECONDS = 150.0  # a thread may be inside a bounded submit or result wait
WORKER_READY_SECONDS = 30.0
SHOWN_PROBLEMS = 20

# A standalone worker logs this once it has migrated and runs its claim loops.
WORKER_READY_LINE = "batch notifications: listening"


# --- chaos ------------------------------------------------------------------------------------


@dataclass
class Chaos:
    """Kills workers and restarts the test's own PostgreSQL server while the load runs (a
    thread's body: ``run``)."""

    cluster: Cluster
    postgres: PrivatePostgres
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
            self.postgres.restart()  # returns once the server accepts connections again
            self.postgres_restarts += 1
        finally:
            self.postgres_down_seconds = time.monotonic() - started


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
    own_postgres: PrivatePostgres,
    redis_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = support.create_postgres_database(own_postgres.server_url)
    with cluster(tmp_path, database_url, redis_url, SETTINGS) as running:
        keys = {name: seller_key(running, name) for name in SELLER_NAMES}
        apis = running.start_apis([f"api-{n}" for n in range(1, API_PROCESSES + 1)])
        workers = [
            running.start_worker(f"worker-{n}", concurrency=WORKER_CONCURRENCY)
            for n in range(1, WORKER_PROCESSES + 1)
        ]
        for worker in workers:
            wait_until_ready(worker)
        sellers = [LoadSeller(name, keys[name], name[-1].upper()) for name in SELLER_NAMES]
        load = Load([str(api.base_url) for api in apis])
        chaos_run = Chaos(running, own_postgres, workers, random.Random())
        load_seconds = run_load(running, load, sellers, chaos_run)

        still_open = asyncio.run(open_batches(database_url))
        assert not still_open, (
            f"{len(still_open)} batches not final {FINAL_WAIT_SECONDS} s after the load:\n"
            + shown(still_open)
            + "\n"
            + "\n".join(tail(process) for process in running.processes)
        )
        snapshot = asyncio.run(read_snapshot(database_url))
        served = served_results(str(apis[0].base_url), keys, load.accepted, snapshot)
        exited = [
            tail(process)
            for process in running.processes
            if not process.is_running() and process not in chaos_run.killed
        ]
        processes = list(running.processes)

    lost = [
        f"{batch.kind} batch {batch.batch_id} of {batch.seller}"
        for batch in load.accepted
        if uuid.UUID(batch.batch_id) not in snapshot.batches
    ]
    failed = [batch for batch in snapshot.batches.values() if batch.status != "completed"]

    ordered = replay_order(snapshot.batches)
    replay_started = time.monotonic()
    replay_url = support.create_postgres_database(own_postgres.server_url)
    mapping = asyncio.run(replay(replay_url, ordered, snapshot.sellers))
    replayed = asyncio.run(read_snapshot(replay_url))
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
