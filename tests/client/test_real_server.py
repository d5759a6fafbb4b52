"""Both clients against a real ``sellers-center serve`` process: the full round trip, the error
mapping, and rate limits (a 429 waited out, and pacing that avoids one) with a tiny limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx2
import pytest
import redis

from sellers_center_client import (
    AsyncClient,
    AuthenticationError,
    BatchStatus,
    Client,
    NotFound,
    ProductStatus,
    ValidationFailed,
)
from tests.client.server import RunningServer, StatusRecorder, serving
from tests.client.support import FakeTime
from tests.products.factory import SIZE_M, jacket
from tests.support import require_redis

pytestmark = pytest.mark.slow

UNKNOWN_BATCH = "0190f0a0-0000-7000-8000-000000000000"
TINY_LIMIT = 2


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server that activates published styles at once."""
    with serving(tmp_path_factory.mktemp("sandbox"), {"SELLERS_CENTER_SANDBOX": "true"}) as server:
        yield server


def test_round_trip(sandbox: RunningServer) -> None:
    with Client(sandbox.base_url, sandbox.key) as client:
        upserted = client.batches.wait(
            client.products.upsert(
                [
                    jacket(sku="RT-1-S", style_key="RT-1"),
                    jacket(sku="RT-1-M", style_key="RT-1", size=SIZE_M),
                    jacket(sku="RT-9-X", style_key="RT-9", size=1407),
                ]
            ),
            poll_interval=0.05,
        )
        stocks = client.batches.wait(client.stocks.update([{"sku": "RT-1-S", "quantity": 9}]))
        prices = client.batches.wait(
            client.prices.update(
                [{"sku": "RT-1-S", "price": {"country_code": "DE", "retail_price": 99.5}}]
            )
        )
        status = client.batches.wait(
            client.status.update([{"style_key": "RT-1", "status": "published"}])
        )
        again = client.results.get("products", upserted.batch_id)
        listed = {product.sku: product for product in client.products.iter_all(style_key="RT-1")}

    assert [(i.request_item.sku, i.errors) for i in upserted.items] == [
        ("RT-1-S", []),
        ("RT-1-M", []),
        ("RT-9-X", ["Size not found: 1407 is not a size of category 112"]),
    ]
    for result in (stocks, prices, status):
        assert (result.status, [i.success for i in result.items]) == (BatchStatus.COMPLETED, [True])
    assert again == upserted
    assert sorted(listed) == ["RT-1-M", "RT-1-S"]
    product = listed["RT-1-S"]
    assert (product.status, product.quantity) == (ProductStatus.ACTIVE, 9)
    assert product.prices[0].retail_price == Decimal("99.5")


async def test_round_trip_with_the_async_client(sandbox: RunningServer) -> None:
    async with AsyncClient(sandbox.base_url, sandbox.key) as client:
        ref = await client.products.upsert([jacket(sku="RT-2-M", style_key="RT-2", size=SIZE_M)])
        result = await client.batches.wait(ref, poll_interval=0.05)
        page = await client.products.list(sku="RT-2-M")

    assert [(i.request_item.sku, i.success) for i in result.items] == [("RT-2-M", True)]
    assert [(p.sku, p.status) for p in page.items] == [("RT-2-M", ProductStatus.DRAFT)]


def test_errors_from_a_real_server(sandbox: RunningServer) -> None:
    stranger = Client(sandbox.base_url, "sc_000000000000_wrong")
    with stranger, pytest.raises(AuthenticationError) as unauthenticated:
        stranger.catalog.countries()
    with Client(sandbox.base_url, sandbox.key) as client:
        with pytest.raises(NotFound) as unknown:
            client.results.get("stocks", UNKNOWN_BATCH)
        with pytest.raises(ValidationFailed) as invalid:
            client.stocks.update([{"sku": "RT-1-S", "quantity": -1}])

    assert unauthenticated.value.status_code == 401
    assert unknown.value.message == "Batch request not found"
    assert [entry["loc"] for entry in invalid.value.detail] == [["body", "items", 0, "quantity"]]
    for error in (unauthenticated.value, unknown.value, invalid.value):
        assert error.request_id


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server allowing 2 product-results reads a minute, counted in Redis (exact, and the
    tests can make a minute pass by deleting the key's windows)."""
    settings = {
        "SELLERS_CENTER_REDIS_URL": require_redis(),
        # A slow Redis would make the server count in memory, out of the tests' reach.
        "SELLERS_CENTER_REDIS_TIMEOUT_SECONDS": "5",
        "SELLERS_CENTER_RATE_LIMITS": json.dumps({"results.products": TINY_LIMIT}),
    }
    with serving(tmp_path_factory.mktemp("limited"), settings) as server:
        yield server


class MinutePassing(FakeTime):
    """The client's clock and sleep: each wait is recorded and moves the clock, and lets the
    server's window run out by deleting the key's windows in Redis, as the wait would."""

    def __init__(self, server: RunningServer) -> None:
        super().__init__(on_sleep=lambda _: self.forget())
        self.key_id = server.key_id
        self.forget()

    def forget(self) -> None:
        client = redis.Redis.from_url(require_redis(), socket_timeout=2, socket_connect_timeout=2)
        try:
            for key in client.scan_iter(match=f"*{self.key_id}*"):
                client.delete(key)
        finally:
            client.close()


def submitted_batch(server: RunningServer, sku: str) -> str:
    with Client(server.base_url, server.key) as client:
        ref = client.products.upsert([jacket(sku=sku, style_key=sku)])
    return str(ref.batch_id)


def test_a_429_is_waited_out_as_retry_after_says(limited: RunningServer) -> None:
    batch_id = submitted_batch(limited, "RL-1")
    minute = MinutePassing(limited)
    params = {"batch_request_id": batch_id}
    with httpx2.Client(base_url=limited.base_url, headers={"X-API-Key": limited.key}) as other:
        for _ in range(TINY_LIMIT):  # another process of the seller uses up the minute
            other.get("/api/v1/results/products", params=params)
        refused = other.get("/api/v1/results/products", params=params)  # takes no slot
    recorder = StatusRecorder()

    with Client(limited.base_url, limited.key, transport=recorder, **minute.hooks()) as client:
        result = client.results.get("products", batch_id)

    assert str(result.batch_id) == batch_id
    assert refused.status_code == 429
    assert [status for status, _ in recorder.answers] == [429, 200]
    retry_after = recorder.answers[0][1]
    assert retry_after is not None
    assert 1 <= int(retry_after) <= 60
    assert minute.sleeps == [float(retry_after)]


def test_a_used_up_endpoint_is_paced_without_a_429(limited: RunningServer) -> None:
    batch_id = submitted_batch(limited, "RL-2")
    minute = MinutePassing(limited)
    recorder = StatusRecorder()

    with Client(limited.base_url, limited.key, transport=recorder, **minute.hooks()) as client:
        reads = [client.results.get("products", batch_id) for _ in range(TINY_LIMIT + 1)]
        client.catalog.brands()  # another endpoint: no wait

    assert [str(result.batch_id) for result in reads] == [batch_id] * 3
    assert [status for status, _ in recorder.answers] == [200, 200, 200, 200]
    assert minute.sleeps == [60.0]  # until the first read is a minute old
