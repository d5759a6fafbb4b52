"""The results fast path sends a final batch's unpaged answer as the result cache keeps it, and
looks in that cache again after a key had to be looked up in the database (every connection's
key runs out of the key cache at the same time): the answers stay those of the FastAPI route,
byte for byte, and another seller's read never gets them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sellers_center.accounts.keycache import KEY_CACHE_SECONDS
from sellers_center.clock import ManualClock
from sellers_center.engine import service
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from tests import support
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

RESULTS = "/api/v1/results/echo"
BODY = b'{"items": [{"value": "a"}, {"value": "bad"}, {"value": "c\\u00e9"}]}'
REQUEST_ID = "cached-answer-test"
Answer = tuple[int, list[tuple[str, str]], bytes]


def answer(response: httpx.Response) -> Answer:
    return response.status_code, response.headers.multi_items(), response.content


def client(runtime: Runtime, *, fast: bool) -> httpx.AsyncClient:
    app = support.app_of(runtime, results_fast_path=fast)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def fast(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with client(runtime, fast=True) as fast_client:
        yield fast_client


@pytest.fixture
async def plain(
    settings: Settings, kinds: KindsFactory, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The app without the fast path, on a runtime of its own (its own caches and counts)."""
    runtime = Runtime.from_settings(settings, kinds)
    runtime.clock = clock
    async with client(runtime, fast=False) as plain_client:
        yield plain_client
    await runtime.database.dispose()


async def completed_batch(fast: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> str:
    response = await fast.post("/api/v1/echo/", content=BODY, headers=seller.headers)
    response.raise_for_status()
    assert await runtime.worker().run_once() is True
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def get(http: httpx.AsyncClient, query: str, seller: SellerKey) -> httpx.Response:
    return await http.get(
        f"{RESULTS}?{query}", headers={"X-Request-ID": REQUEST_ID, **seller.headers}
    )


@pytest.mark.parametrize(
    "paging", ["", "&only=failed", "&page=2&per_page=1", "&only=failed&per_page=1&extra=x"]
)
async def test_reads_from_the_cache_answer_as_the_first_read_and_the_fastapi_route(
    runtime: Runtime,
    seller: SellerKey,
    fast: httpx.AsyncClient,
    plain: httpx.AsyncClient,
    paging: str,
) -> None:
    batch_id = await completed_batch(fast, runtime, seller)
    query = f"batch_request_id={batch_id}{paging}"

    answers = []
    for _ in range(3):  # the database, then the cache twice
        fast_read, plain_read = await get(fast, query, seller), await get(plain, query, seller)
        assert answer(fast_read) == answer(plain_read)
        answers.append(fast_read)

    assert [r.status_code for r in answers] == [200] * 3
    assert len({r.content for r in answers}) == 1
    assert answers[0].json()["status"] == "completed"
    assert len(runtime.result_cache) == 1


async def test_after_the_key_is_looked_up_again_the_results_come_from_the_cache(
    runtime: Runtime,
    seller: SellerKey,
    clock: ManualClock,
    fast: httpx.AsyncClient,
    plain: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch_id = await completed_batch(fast, runtime, seller)
    query = f"batch_request_id={batch_id}"
    first = await get(fast, query, seller)
    await get(plain, query, seller)  # the same count of calls on both sides

    async def no_database_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the results were read from the database")

    monkeypatch.setattr(service, "read_result", no_database_read)
    clock.advance(KEY_CACHE_SECONDS + 1)
    again = await get(fast, query, seller)
    monkeypatch.undo()
    plain_again = await get(plain, query, seller)

    assert len(runtime.key_cache) == 1  # looked up again and kept
    assert answer(again) == answer(plain_again)
    assert (again.status_code, again.content) == (200, first.content)


async def test_another_seller_never_gets_the_kept_answer(
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    fast: httpx.AsyncClient,
    plain: httpx.AsyncClient,
) -> None:
    batch_id = await completed_batch(fast, runtime, seller)
    for paging in ("", "&page=1"):
        await get(fast, f"batch_request_id={batch_id}{paging}", seller)  # kept for its seller

        for _ in range(2):  # the other seller's key looked up, then from the key cache
            query = f"batch_request_id={batch_id}{paging}"
            fast_read = await get(fast, query, other_seller)
            plain_read = await get(plain, query, other_seller)

            assert answer(fast_read) == answer(plain_read)
            assert (fast_read.status_code, fast_read.json()) == (
                404,
                {"message": "Batch request not found"},
            )
