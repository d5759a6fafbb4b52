"""A worker with a backlog claims each next batch in the transaction that makes the last one
final (``Worker._process``): one write transaction per batch instead of two, and none wasted
when the backlog is empty."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import repository
from sellers_center.engine.worker import Worker
from sellers_center.runtime import Runtime
from tests.engine.helpers import WAIT_SECONDS, batch_row, effects, eventually, submit
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@contextmanager
def transactions_of(runtime: Runtime) -> Iterator[dict[int, list[str]]]:
    """What each transaction did to ``batches``: "claim", "finish"; by transaction, in order."""
    numbers = itertools.count()
    seen: dict[int, list[str]] = {}
    engine = runtime.database.engine.sync_engine

    def begun(connection: Any) -> None:
        connection.info["transaction"] = next(numbers)

    def executed(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        words = " ".join(statement.split())
        if "UPDATE batches SET status=" not in words:
            return
        # A claim counts an attempt (on PostgreSQL it comes after a WITH clause).
        action = "claim" if "attempts=(batches.attempts +" in words else "finish"
        seen.setdefault(connection.info["transaction"], []).append(action)

    event.listen(engine, "begin", begun)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(engine, "begin", begun)


async def one_item_batches(runtime: Runtime, seller: SellerKey, *values: str) -> list[uuid.UUID]:
    """An echo batch of one item per value, submitted in order."""
    now = runtime.clock.now()
    body = [{"items": [{"value": value}]} for value in values]
    return [await submit(runtime.database, seller.seller_id, each, now) for each in body]


def one_loop_worker(runtime: Runtime) -> Worker:
    """One claim loop, so that the transactions come one after another, which never polls:
    a claim it makes was announced or chained."""
    config = dataclasses.replace(runtime.worker_config(), concurrency=1, poll_seconds=300)
    return runtime.worker(config)


async def run_until_final(runtime: Runtime, worker: Worker, batches: list[uuid.UUID]) -> None:
    running = asyncio.create_task(worker.run())

    async def all_final() -> bool:
        rows = [await batch_row(runtime.database, batch) for batch in batches]
        return all(row.status == "completed" for row in rows)

    await eventually(all_final)
    worker.stop()
    async with asyncio.timeout(WAIT_SECONDS):
        await running


async def test_a_backlog_is_applied_with_each_next_claim_in_the_last_batchs_transaction(
    runtime: Runtime, seller: SellerKey
) -> None:
    batches = await one_item_batches(runtime, seller, "a", "b", "c")
    worker = one_loop_worker(runtime)

    with transactions_of(runtime) as seen:
        await run_until_final(runtime, worker, batches)

    # The claim that found "a"; then each batch's transaction with the claim of the next,
    # the last one's finding nothing (on PostgreSQL after trying both of its statements, the
    # fairest and the oldest); and no claim after that until work is announced.
    nothing = ["claim"] if runtime.database.is_sqlite else ["claim", "claim"]
    assert list(seen.values()) == [
        ["claim"],
        ["finish", "claim"],
        ["finish", "claim"],
        ["finish", *nothing],
    ]
    assert [await effects(runtime.database, batch) for batch in batches] == [
        [(0, "a")],
        [(0, "b")],
        [(0, "c")],
    ]


async def test_a_chained_claim_that_fails_leaves_the_batch_before_it_applied(
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    batches = await one_item_batches(runtime, seller, "a", "b")
    load_payload = repository.load_payload
    loads = 0

    async def second_load_fails(session: AsyncSession, batch_id: uuid.UUID) -> bytes:
        nonlocal loads
        loads += 1
        if loads == 2:  # the claim of "b" in the transaction of "a"
            raise RuntimeError("the payload could not be read")
        return await load_payload(session, batch_id)

    monkeypatch.setattr(repository, "load_payload", second_load_fails)

    await run_until_final(runtime, one_loop_worker(runtime), batches)

    rows = [await batch_row(runtime.database, batch) for batch in batches]
    assert [(row.status, row.attempts) for row in rows] == [("completed", 1), ("completed", 1)]
    assert [await effects(runtime.database, batch) for batch in batches] == [[(0, "a")], [(0, "b")]]
    assert loads == 3  # "b" claimed again on its own
    assert (
        "claiming the next batch in the last one's transaction failed (RuntimeError" in caplog.text
    )


class FailingOnceAfterCommit:
    """The worker's application, whose first apply raises after its transaction committed (a
    time budget running out as the commit ends)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.applied = 0

    async def apply(self, claimed: Any, body: bytes, *, then: Any = None) -> Any:
        result = await self.inner.apply(claimed, body, then=then)
        self.applied += 1
        if self.applied == 1:
            raise TimeoutError("the budget ran out as the commit ended")
        return result


async def test_a_batch_claimed_by_an_attempt_that_failed_after_committing_is_given_back(
    runtime: Runtime, seller: SellerKey
) -> None:
    batches = await one_item_batches(runtime, seller, "a", "b")
    worker = one_loop_worker(runtime)
    worker.application = FailingOnceAfterCommit(worker.application)  # type: ignore[assignment]

    # Without the give-back, "b" would stay held until its lease expired (30 s).
    await run_until_final(runtime, worker, batches)

    rows = [await batch_row(runtime.database, batch) for batch in batches]
    # "b" went back unstarted: its one attempt is the one that applied it.
    assert [(row.status, row.attempts) for row in rows] == [("completed", 1), ("completed", 1)]
    assert [await effects(runtime.database, batch) for batch in batches] == [[(0, "a")], [(0, "b")]]
