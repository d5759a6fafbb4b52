"""The SDK's calls of the seller's batches and their results, in-process against the service:
``batches.list`` / ``iter_all`` / ``get``, ``results.get`` with ``only_failed`` and pages,
``results.iter_failed``; and submits whose retries meet the server's idempotency keys."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from sellers_center.clock import ManualClock
from sellers_center.db.tables import Batch, IdempotencyKey
from sellers_center.runtime import Runtime
from sellers_center_client import (
    AsyncClient,
    BatchStatus,
    Client,
    InvalidRequest,
    NotFound,
    ValidationFailed,
)
from tests.client.support import NO_JITTER, FakeTime, LoopBridge
from tests.products.factory import jacket
from tests.support import SellerKey

BASE_URL = "http://testserver"


async def batches_stored(runtime: Runtime) -> int:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(func.count()).select_from(Batch))).scalar_one()


async def test_batches_are_listed_newest_first_filtered_and_read_one_by_one(
    sdk: AsyncClient, clock: ManualClock
) -> None:
    first = await sdk.stocks.update([{"sku": "NOPE-1", "quantity": 1}])
    clock.advance(1)
    products = await sdk.products.upsert([jacket()])
    clock.advance(1)
    last = await sdk.stocks.update([{"sku": "JKT-1-S", "quantity": 3}])
    await sdk.batches.wait(first)

    page = await sdk.batches.list(per_page=2)
    stocks = await sdk.batches.list(kind="stocks")
    final = await sdk.batches.list(status=[BatchStatus.COMPLETED, "failed"])
    every = [batch.batch_id async for batch in sdk.batches.iter_all(per_page=1)]
    one = await sdk.batches.get(first.batch_id)

    assert [batch.batch_id for batch in page.items] == [last.batch_id, products.batch_id]
    assert page.next_cursor is not None
    assert [batch.batch_id for batch in stocks.items] == [last.batch_id, first.batch_id]
    assert [batch.batch_id for batch in final.items] == [first.batch_id]
    assert every == [last.batch_id, products.batch_id, first.batch_id]
    assert (one.kind, one.status, one.is_final) == ("stocks", BatchStatus.COMPLETED, True)
    assert (one.item_count, one.succeeded, one.failed, one.attempts) == (1, 0, 1, 1)
    pending = await sdk.batches.get(last.batch_id)
    assert (pending.is_final, pending.succeeded, pending.failed) == (False, None, None)
    with pytest.raises(NotFound):
        await sdk.batches.get("0190f0a0-0000-7000-8000-000000000000")


async def test_only_the_failures_whole_by_page_and_one_by_one(sdk: AsyncClient) -> None:
    await sdk.batches.wait(await sdk.products.upsert([jacket()]))
    items = [{"sku": sku, "quantity": 1} for sku in ("NOPE-1", "JKT-1-S", "NOPE-2", "NOPE-3")]
    ref = await sdk.stocks.update(items)
    await sdk.batches.wait(ref)

    failed = await sdk.results.get("stocks", ref.batch_id, only_failed=True)
    second = await sdk.results.get("stocks", ref.batch_id, only_failed=True, page=2, per_page=2)
    every = [item async for item in sdk.results.iter_failed("stocks", ref.batch_id, per_page=2)]

    assert [item.request_item.sku for item in failed.items] == ["NOPE-1", "NOPE-2", "NOPE-3"]
    assert failed.pagination is None
    assert [item.request_item.sku for item in second.items] == ["NOPE-3"]
    assert second.pagination is not None
    assert (second.pagination.total, second.pagination.pages) == (3, 2)
    assert every == failed.items
    assert every[0].errors == ["Product not found: NOPE-1"]


class AnswerLostOnce(httpx2.AsyncBaseTransport):
    """The app answers, the batch is processed to its end, then the answer is lost on its way
    back (a read timeout): the client only knows the call failed."""

    def __init__(self, app: FastAPI, runtime: Runtime) -> None:
        self.app = httpx2.ASGITransport(app=app)
        self.runtime = runtime
        self.lost = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.app.handle_async_request(request)
        if request.method == "POST" and self.lost == 0:
            self.lost += 1
            await response.aread()
            assert await self.runtime.worker().run_once() is True
            raise httpx2.ReadTimeout("the answer was lost", request=request)
        return response


async def test_a_retried_submit_finds_its_batch_even_once_it_is_final(
    app: FastAPI, runtime: Runtime, seller: SellerKey
) -> None:
    time = FakeTime()
    transport = AnswerLostOnce(app, runtime)
    async with AsyncClient(
        BASE_URL, seller.key, transport=transport, sleep=time.async_sleep, retry=NO_JITTER
    ) as client:
        ref = await client.products.upsert([jacket()])
        result = await client.results.get("products", ref.batch_id)

    assert transport.lost == 1
    assert time.sleeps == [0.5]  # one retry, after the first backoff
    assert result.status is BatchStatus.COMPLETED
    assert await batches_stored(runtime) == 1  # without the key, the retry stored a second


async def test_a_key_reused_for_other_items_is_refused_at_once(
    sdk: AsyncClient, runtime: Runtime
) -> None:
    await sdk.stocks.update([{"sku": "A", "quantity": 1}], idempotency_key="chunk-1")

    with pytest.raises(ValidationFailed) as refused:
        await sdk.stocks.update([{"sku": "B", "quantity": 1}], idempotency_key="chunk-1")

    assert [entry["loc"] for entry in refused.value.detail] == [["header", "Idempotency-Key"]]
    assert "was used for another request" in refused.value.message
    assert await batches_stored(runtime) == 1


@pytest.mark.parametrize("key", ["", "k" * 256, "caf\xe9", "tab\there"])
async def test_a_key_the_server_would_refuse_raises_before_anything_is_sent(
    sdk: AsyncClient, runtime: Runtime, key: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await sdk.stocks.update([{"sku": "A", "quantity": 1}], idempotency_key=key)

    assert refused.value.message.startswith("An idempotency key is 1 to 255 printable ASCII")
    assert await batches_stored(runtime) == 0


@pytest.mark.parametrize("key", ['"quoted', " spaced ", 'back\\slash"'])
async def test_a_key_that_would_read_as_another_is_sent_quoted_and_kept_whole(
    sdk: AsyncClient, runtime: Runtime, key: str
) -> None:
    first = await sdk.stocks.update([{"sku": "A", "quantity": 1}], idempotency_key=key)
    again = await sdk.stocks.update([{"sku": "A", "quantity": 1}], idempotency_key=key)

    assert again.batch_id == first.batch_id
    async with runtime.database.read_session() as session:
        assert (await session.execute(select(IdempotencyKey.key))).scalars().all() == [key]


def blocking_calls(client: Client, batch_id: Any) -> dict[str, Any]:
    return {
        "listed": [batch.batch_id for batch in client.batches.iter_all(kind="stocks")],
        "one": client.batches.get(batch_id),
        "failed": list(client.results.iter_failed("stocks", batch_id)),
    }


async def test_the_blocking_client_lists_and_pages_too(
    app: FastAPI, runtime: Runtime, seller: SellerKey, sdk: AsyncClient
) -> None:
    ref = await sdk.stocks.update([{"sku": "NOPE", "quantity": 1}])
    await sdk.batches.wait(ref)
    loop = asyncio.get_running_loop()

    with Client(BASE_URL, seller.key, transport=LoopBridge(app, loop)) as client:
        outcome = await asyncio.to_thread(blocking_calls, client, ref.batch_id)

    assert outcome["listed"] == [ref.batch_id]
    assert (outcome["one"].succeeded, outcome["one"].failed) == (0, 1)
    assert [item.request_item.sku for item in outcome["failed"]] == ["NOPE"]
