"""A worker with a backlog claims each next batch in the transaction that makes the last one
final (``Worker._process``): one write transaction per batch instead of two, and none wasted
when the backlog is empty."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

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


async def test_a_backlog_is_applied_with_each_next_claim_in_the_last_batchs_transaction(
    runtime: Runtime, seller: SellerKey
) -> None:
    now = runtime.clock.now()
    batches = [
        await submit(runtime.database, seller.seller_id, {"items": [{"value": v}]}, now)
        for v in ("a", "b", "c")
    ]
    # One claim loop, so that the transactions come one after another.
    worker = runtime.worker(dataclasses.replace(runtime.worker_config(), concurrency=1))

    with transactions_of(runtime) as seen:
        running = asyncio.create_task(worker.run())

        async def all_final() -> bool:
            rows = [await batch_row(runtime.database, batch) for batch in batches]
            return all(row.status == "completed" for row in rows)

        await eventually(all_final)
        worker.stop()
        async with asyncio.timeout(WAIT_SECONDS):
            await running

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
