"""The engine's production behaviour: fair claims across sellers, the per-attempt time budget,
graceful shutdown, and (PostgreSQL) notifications and the statement timeout."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import Database
from sellers_center.engine import repository
from sellers_center.engine.kind import BatchContext, ItemOutcome, KindRegistry
from sellers_center.engine.lease import SHUT_DOWN
from sellers_center.engine.maintenance import WORKER_LOST
from sellers_center.engine.retry import over_budget
from sellers_center.engine.status import RequestStatus
from sellers_center.engine.wakeup import APPLICATION_NAME as LISTENER_APPLICATION_NAME
from sellers_center.engine.wakeup import NotificationListener
from sellers_center.engine.worker import Worker
from sellers_center.runtime import Runtime
from tests import support
from tests.engine import echo_kind
from tests.engine.helpers import batch_row, effects, result, submit
from tests.support import BOTH_BACKENDS, SellerKey

# Bounds on waiting for background work, never expectations of speed.
WAIT_SECONDS = 20


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``check`` holds; fail after WAIT_SECONDS."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


def echo(value: str, sleep: float = 0) -> dict[str, object]:
    return {"items": [{"value": value, "sleep": sleep}]}


async def claim_order(runtime: Runtime, batches: dict[uuid.UUID, str]) -> list[str]:
    """Process every batch one at a time, one second apart; the names in claim order."""
    worker = runtime.worker()
    order = []
    for _ in batches:
        runtime.clock.advance(1)  # type: ignore[attr-defined]
        assert await worker.run_once() is True
        async with runtime.database.read_session() as session:
            latest = await session.execute(
                text(
                    "SELECT id FROM batches WHERE started_at IS NOT NULL "
                    "ORDER BY started_at DESC LIMIT 1"
                )
            )
            order.append(batches[uuid.UUID(str(latest.scalar_one()))])
    return order


@BOTH_BACKENDS
async def test_claims_go_round_robin_across_sellers(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    third = await support.make_seller(runtime.database, "seller-c", runtime.clock.now())
    batches: dict[uuid.UUID, str] = {}
    for n in range(4):  # seller A floods first
        runtime.clock.advance(0.01)  # type: ignore[attr-defined]
        batch = await submit(runtime.database, seller.seller_id, echo(f"a{n}"), runtime.clock.now())
        batches[batch] = f"A{n}"
    for owner, name in ((other_seller, "B"), (third, "C")):
        runtime.clock.advance(0.01)  # type: ignore[attr-defined]
        batch = await submit(runtime.database, owner.seller_id, echo(name), runtime.clock.now())
        batches[batch] = name

    # A's oldest batch first (nobody was served yet), then the sellers never served, then A.
    assert await claim_order(runtime, batches) == ["A0", "B", "C", "A1", "A2", "A3"]


@BOTH_BACKENDS
async def test_one_seller_is_served_in_arrival_order(runtime: Runtime, seller: SellerKey) -> None:
    batches = {}
    for n in range(3):
        runtime.clock.advance(0.01)  # type: ignore[attr-defined]
        batch = await submit(runtime.database, seller.seller_id, echo(f"a{n}"), runtime.clock.now())
        batches[batch] = f"A{n}"

    assert await claim_order(runtime, batches) == ["A0", "A1", "A2"]


def worker_with(runtime: Runtime, **config: Any) -> Worker:
    """The runtime's worker with some of its configuration replaced."""
    return runtime.worker(dataclasses.replace(runtime.worker_config(), **config))


@BOTH_BACKENDS
async def test_an_attempt_over_its_budget_is_retried_then_failed(
    runtime: Runtime, seller: SellerKey
) -> None:
    worker = worker_with(runtime, budget_seconds=0.2)
    batch = await submit(
        runtime.database, seller.seller_id, echo("slow", sleep=2), runtime.clock.now()
    )

    assert await worker.run_once() is True
    row = await batch_row(runtime.database, batch)
    assert (row.status, row.attempts, row.last_error) == ("retry", 1, over_budget(0.2))

    for _ in range(2):  # the settings allow 3 attempts
        runtime.clock.advance(60)  # type: ignore[attr-defined]
        assert await worker.run_once() is True

    reason = (
        "The batch could not be processed after 3 attempts (last error: processing took "
        "longer than its time budget of 0.2 s); submit it again"
    )
    assert await result(runtime.database, seller.seller_id, batch) == {
        "batchRequestId": str(batch),
        "status": "failed",
        "items": [
            {"requestItem": {"value": "slow", "sleep": 2}, "success": False, "errors": [reason]}
        ],
    }
    assert await effects(runtime.database, batch) == []


async def run_until_claimed(
    worker: Worker, runtime: Runtime, batch: uuid.UUID
) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.run())

    async def claimed() -> bool:
        return (await batch_row(runtime.database, batch)).status == RequestStatus.PROCESSING

    await eventually(claimed)
    return task


async def stopped_mid_batch(
    runtime: Runtime, seller: SellerKey, *, grace: float, value: str, sleep: float
) -> uuid.UUID:
    """Submit one echo batch, stop its worker while it runs, wait for the worker to end."""
    worker = worker_with(runtime, shutdown_grace_seconds=grace)
    batch = await submit(
        runtime.database, seller.seller_id, echo(value, sleep=sleep), runtime.clock.now()
    )
    task = await run_until_claimed(worker, runtime, batch)
    worker.stop()
    async with asyncio.timeout(WAIT_SECONDS):
        await task
    return batch


@BOTH_BACKENDS
async def test_shutdown_finishes_a_batch_within_the_grace_period(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch = await stopped_mid_batch(runtime, seller, grace=WAIT_SECONDS, value="steady", sleep=0.5)

    row = await batch_row(runtime.database, batch)
    assert (row.status, row.attempts) == ("completed", 1)
    assert await effects(runtime.database, batch) == [(0, "steady")]


@BOTH_BACKENDS
async def test_shutdown_gives_back_a_batch_still_running_after_the_grace_period(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch = await stopped_mid_batch(runtime, seller, grace=0.1, value="long", sleep=5)

    row = await batch_row(runtime.database, batch)
    # Claimable again at once, and the interrupted attempt is not counted against it.
    assert (row.status, row.attempts, row.last_error, row.lease_owner) == (
        "retry",
        0,
        SHUT_DOWN,
        None,
    )
    assert row.available_at <= runtime.clock.now()
    assert await effects(runtime.database, batch) == []


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_notification_wakes_an_idle_worker_long_before_its_poll(
    runtime: Runtime, seller: SellerKey
) -> None:
    worker = worker_with(runtime, poll_seconds=3600)
    assert isinstance(worker.listener, NotificationListener)
    task = asyncio.create_task(worker.run())
    try:
        await listening(runtime.database)
        first = await submit(runtime.database, seller.seller_id, echo("one"), runtime.clock.now())
        await completed(runtime, seller, first)

        # The listening connection dies (a database restart): the listener reconnects.
        await terminate_listeners(runtime.database)
        await listening(runtime.database)
        second = await submit(runtime.database, seller.seller_id, echo("two"), runtime.clock.now())
        await completed(runtime, seller, second)
    finally:
        worker.stop()
        await task


async def listening(database: Database) -> None:
    """Wait until a listener's connection has registered its LISTEN."""

    async def found() -> bool:
        return bool(await listener_pids(database, listening_only=True))

    await eventually(found)


async def listener_pids(database: Database, *, listening_only: bool = False) -> list[int]:
    # A listener's last statement is its LISTEN, until its probe (SELECT 1) every 15 s.
    registered = "AND (query LIKE 'LISTEN %' OR query = 'SELECT 1')" if listening_only else ""
    async with database.read_session() as session:
        rows = await session.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                f"AND application_name = :name {registered}"
            ),
            {"name": LISTENER_APPLICATION_NAME},
        )
        return [row.pid for row in rows]


async def terminate_listeners(database: Database) -> None:
    pids = await listener_pids(database)
    assert len(pids) == 1
    async with database.write_session.begin() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})

    async def gone() -> bool:
        return pids[0] not in await listener_pids(database)

    await eventually(gone)


async def completed(runtime: Runtime, seller: SellerKey, batch: uuid.UUID) -> None:
    async def done() -> bool:
        status: str = (await result(runtime.database, seller.seller_id, batch))["status"]
        return status == "completed"

    await eventually(done)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_postgresql_cancels_a_statement_over_the_timeout(database_url: str) -> None:
    database = Database(database_url, statement_timeout_seconds=0.2)
    try:
        async with database.read_session() as session:
            with pytest.raises(DBAPIError, match="canceling statement due to statement timeout"):
                await session.execute(text("SELECT pg_sleep(2)"))
    finally:
        await database.dispose()


def lease_expiries(kind: str) -> float:
    value = REGISTRY.get_sample_value("sellers_center_lease_expiries_total", {"kind": kind})
    return value or 0.0


def hold_echo_batches(runtime: Runtime, release: asyncio.Event) -> None:
    """Make the echo batches of ``runtime``'s workers wait for ``release`` inside their
    transaction, so a test acts while the batch is surely running."""

    async def process(
        session: AsyncSession, context: BatchContext, items: Sequence[echo_kind.EchoItem]
    ) -> list[ItemOutcome]:
        await release.wait()
        return await echo_kind.process(session, context, items)

    held = dataclasses.replace(echo_kind.build_echo_kind(), process=process)
    runtime.kinds = KindRegistry.of([held])


# On SQLite a batch holds the one write lock while it runs, so its lease is never renewed
# mid-batch (the README's advice: the lease must outlast the slowest batch).
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_failed_lease_renewal_is_retried_and_the_lease_kept(
    runtime: Runtime, seller: SellerKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    renew = repository.renew_lease
    failed = asyncio.Event()

    async def flaky_renew(*arguments: Any, **options: Any) -> bool:
        if not failed.is_set():  # the database is away for the first beat
            failed.set()
            raise OperationalError("UPDATE batches", {}, ConnectionResetError())
        return await renew(*arguments, **options)

    monkeypatch.setattr(repository, "renew_lease", flaky_renew)
    finish = asyncio.Event()
    hold_echo_batches(runtime, finish)
    worker = worker_with(runtime, lease_seconds=0.3)  # a beat every 0.1 s
    batch = await submit(runtime.database, seller.seller_id, echo("long"), runtime.clock.now())
    expiries_before = lease_expiries("echo")
    processing = asyncio.create_task(worker.run_once())
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            await failed.wait()
        runtime.clock.advance(10)  # type: ignore[attr-defined]  # far past the old lease

        async def renewed_since() -> bool:
            expires = (await batch_row(runtime.database, batch)).lease_expires_at
            return expires is not None and expires > runtime.clock.now()

        await eventually(renewed_since)  # a later beat renewed from the new time
        await runtime.worker().run_maintenance()  # another worker looks for expired leases
    finally:
        finish.set()
        async with asyncio.timeout(WAIT_SECONDS):
            processed = await processing

    assert processed is True
    row = await batch_row(runtime.database, batch)
    assert (row.status, row.attempts) == ("completed", 1)
    assert await effects(runtime.database, batch) == [(0, "long")]
    assert lease_expiries("echo") == expiries_before


@BOTH_BACKENDS
async def test_an_expired_lease_is_counted_once_however_many_workers_see_it(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch = await submit(runtime.database, seller.seller_id, echo("lost"), runtime.clock.now())
    assert await runtime.worker()._claim() is not None  # its worker then dies
    runtime.clock.advance(60)  # type: ignore[attr-defined]
    expiries_before = lease_expiries("echo")

    await asyncio.gather(*(runtime.worker().run_maintenance() for _ in range(3)))

    row = await batch_row(runtime.database, batch)
    assert (row.status, row.attempts, row.last_error) == ("retry", 1, WORKER_LOST)
    assert lease_expiries("echo") - expiries_before == 1
