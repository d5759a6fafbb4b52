"""``Push`` against the service's app in-process: a file sent in chunks with their keys recorded,
polled to the end, its failures read back; a chunk whose answer was lost sent again with its key
(the same batch); a push run again sending nothing."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from examples import demo_sample
from fastapi import FastAPI
from rich.console import Console

from sellers_center.runtime import Runtime
from sellers_center_client import Client
from sellers_center_client._kind import PRODUCTS, STOCKS
from sellers_center_client.push import (
    BatchRefused,
    FailedItem,
    KeyExpired,
    LineProgress,
    Push,
    PushState,
    SourceFormat,
    plan_push,
)
from tests.client.support import FakeTime, LoopBridge
from tests.support import SellerKey

BASE_URL = "http://testserver"
ITEMS = 250  # three chunks of products: 100, 100, 50
FLAWED_SKU = "DEMO-0012-3"  # item 64 of the sample
FLAWED_ERROR = "EAN 4000070000631 has an invalid check digit: expected 0, got 1"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # the pushes' wall clock


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.jsonl"
    items = itertools.islice(demo_sample.items(), ITEMS)
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def keys() -> Callable[[], str]:
    numbers = itertools.count()
    return lambda: f"key-{next(numbers)}"


class Run:
    """A push of ``sample`` through a blocking client in a thread; its sleeps let the worker
    take a batch on the test's loop."""

    def __init__(self, app: FastAPI, runtime: Runtime, seller: SellerKey, sample: Path) -> None:
        self.loop = asyncio.get_running_loop()
        self.app, self.runtime, self.seller, self.sample = app, runtime, seller, sample
        self.time = FakeTime(on_sleep=self._work)
        self.state_path = sample.with_name("sample.jsonl.push-state")
        self.output = io.StringIO()
        self.console = Console(file=self.output, width=200)

    def _work(self, _: float) -> None:
        asyncio.run_coroutine_threadsafe(self.runtime.worker().run_once(), self.loop).result()

    def client(self) -> Client:
        return Client(
            BASE_URL,
            self.seller.key,
            transport=LoopBridge(self.app, self.loop),
            **self.time.hooks(),
        )

    def push(
        self, client: Client, *, wait: bool, resend_expired_keys: bool = False
    ) -> tuple[Push, list[FailedItem]]:
        plan = plan_push(self.sample, PRODUCTS, SourceFormat.JSONL)
        state = PushState.open(self.state_path, plan)
        try:
            push = Push(
                client,
                PRODUCTS,
                self.sample,
                SourceFormat.JSONL,
                state,
                LineProgress(self.console, wait=wait, monotonic=self.time.monotonic),
                new_key=keys(),
                now=lambda: NOW,
                resend_expired_keys=resend_expired_keys,
                **self.time.hooks(),
            )
            push.run(wait=wait)
            return push, list(push.failures()) if push.is_final else []
        finally:
            state.close()

    async def __call__(
        self, *, wait: bool, resend_expired_keys: bool = False
    ) -> tuple[Push, list[FailedItem]]:
        def blocking() -> tuple[Push, list[FailedItem]]:
            with self.client() as client:
                return self.push(client, wait=wait, resend_expired_keys=resend_expired_keys)

        return await asyncio.to_thread(blocking)

    async def batch_ids(self) -> list[str]:
        def blocking() -> list[str]:
            with self.client() as client:
                return [str(batch.batch_id) for batch in client.batches.iter_all()]

        return await asyncio.to_thread(blocking)

    def records(self) -> Iterator[dict[str, Any]]:
        for line in self.state_path.read_text().splitlines()[1:]:
            yield json.loads(line)


@pytest.fixture
async def run(app: FastAPI, runtime: Runtime, seller: SellerKey, sample: Path) -> Run:
    return Run(app, runtime, seller, sample)


async def test_a_push_sends_every_chunk_once_and_waits_for_the_end(run: Run) -> None:
    push, failures = await run(wait=True)

    batches = await run.batch_ids()
    assert push.is_final
    assert push.totals() == (ITEMS, ITEMS, 1)
    assert [(f.number, f.reference, f.errors) for f in failures] == [
        (64, FLAWED_SKU, [FLAWED_ERROR])
    ]
    assert failures[0].item == next(i for i in demo_sample.items() if i["sku"] == FLAWED_SKU)
    recorded = list(run.records())
    assert [r for r in recorded if "key" in r] == [
        {"chunk": n, "key": f"key-{n}", "at": NOW.isoformat()} for n in range(3)
    ]
    assert sorted(r["batch"] for r in recorded if "batch" in r) == sorted(batches)
    assert sorted(
        (r["chunk"], r["status"], r["succeeded"], r["failed"]) for r in recorded if "status" in r
    ) == [(0, "completed", 99, 1), (1, "completed", 100, 0), (2, "completed", 50, 0)]
    last_line = run.output.getvalue().splitlines()[-1]
    assert last_line.startswith("sent 250/250 items, final 250/250 (1 failed), ")
    assert last_line.endswith(" items/s")


async def test_a_push_without_wait_submits_and_a_second_run_waits_sending_nothing(
    run: Run,
) -> None:
    first, _ = await run(wait=False)
    submitted = await run.batch_ids()

    second, failures = await run(wait=True)

    assert (first.is_final, first.totals()[0]) == (False, ITEMS)
    assert len(submitted) == 3
    assert await run.batch_ids() == submitted
    assert second.is_final
    assert [f.reference for f in failures] == [FLAWED_SKU]


async def test_a_chunk_whose_answer_was_lost_is_sent_again_with_its_key(run: Run) -> None:
    plan = plan_push(run.sample, PRODUCTS, SourceFormat.JSONL)
    state = PushState.open(run.state_path, plan)
    sent_at = NOW - timedelta(hours=22, minutes=59)  # the service still knows the key
    state.record_key(0, "lost-answer", at=sent_at)
    state.close()
    first_chunk = list(itertools.islice(demo_sample.items(), PRODUCTS.max_items))

    def accepted_then_lost() -> str:  # the service took the chunk; the answer never came back
        with run.client() as client:
            return str(client.products.upsert(first_chunk, idempotency_key="lost-answer").batch_id)

    lost = await asyncio.to_thread(accepted_then_lost)

    push, failures = await run(wait=True)

    batches = await run.batch_ids()
    assert len(batches) == 3
    assert lost in batches
    assert push.state.chunks[0].batch_id == lost
    assert [r for r in run.records() if "key" in r] == [
        {"chunk": 0, "key": "lost-answer", "at": sent_at.isoformat()},
        {"chunk": 1, "key": "key-0", "at": NOW.isoformat()},
        {"chunk": 2, "key": "key-1", "at": NOW.isoformat()},
    ]
    assert [f.reference for f in failures] == [FLAWED_SKU]


@pytest.mark.parametrize(
    ("sent_at", "when"), [(NOW - timedelta(hours=23), "23 h ago"), (None, "at a time not recorded")]
)
async def test_a_chunk_whose_answer_was_lost_23_hours_ago_is_sent_again_only_when_asked(
    run: Run, sent_at: datetime | None, when: str
) -> None:
    plan = plan_push(run.sample, PRODUCTS, SourceFormat.JSONL)
    state = PushState.open(run.state_path, plan)
    if sent_at is None:  # as a state file written before keys' times were recorded
        state.close()
        with run.state_path.open("a") as file:
            file.write('{"chunk":0,"key":"lost-answer"}\n')
    else:
        state.record_key(0, "lost-answer", at=sent_at)
        state.close()
    recorded = list(run.records())

    with pytest.raises(KeyExpired) as stopped:
        await run(wait=False)
    stopped_with = (await run.batch_ids(), list(run.records()))
    push, _ = await run(wait=False, resend_expired_keys=True)

    assert str(stopped.value) == (
        f"items 1-100 were sent {when} with idempotency key lost-answer and their answer was "
        "lost; the service remembers a key for 24 h by default, so sending them again could "
        "store them twice. Look for that batch among the seller's batches; to send them "
        "anyway, run the command again with --resend-expired-keys"
    )
    assert stopped_with == ([], recorded)
    assert len(await run.batch_ids()) == 3
    assert push.totals()[0] == ITEMS
    assert [r["key"] for r in run.records() if "key" in r] == ["lost-answer", "key-0", "key-1"]


async def test_a_finished_push_run_again_sends_nothing_and_reports_the_same(run: Run) -> None:
    _, first = await run(wait=True)
    records = list(run.records())
    batches = await run.batch_ids()

    push, again = await run(wait=True)

    assert (again, push.totals()) == (first, (ITEMS, ITEMS, 1))
    assert list(run.records()) == records
    assert await run.batch_ids() == batches


async def test_a_batch_the_service_refuses_stops_the_push_naming_the_line(run: Run) -> None:
    path = run.sample.with_name("stocks.jsonl")
    too_long = "S" * 121  # the API takes SKUs of up to 120 characters; the client's model any
    path.write_text(
        '{"sku": "A", "quantity": 1}\n\n' + json.dumps({"sku": too_long, "quantity": 2})
    )
    plan = plan_push(path, STOCKS, SourceFormat.JSONL)
    state = PushState.open(path.with_name("stocks.push-state"), plan)

    def blocking() -> None:
        with run.client() as client:
            push = Push(
                client,
                STOCKS,
                path,
                SourceFormat.JSONL,
                state,
                LineProgress(run.console, wait=True),
            )
            push.run(wait=True)

    try:
        with pytest.raises(BatchRefused) as raised:
            await asyncio.to_thread(blocking)
    finally:
        state.close()

    assert str(raised.value) == (
        "the service refused the batch of items 1-2: line 3: sku: "
        "String should have at most 120 characters"
    )
    assert await run.batch_ids() == []
    assert (state.chunks[0].key is not None, state.chunks[0].batch_id) == (True, None)
