"""What the clients decide alone: waiting for batches, refusing calls that cannot pass, and
real sockets that refuse, stall or answer 503 (no httpx2 exception ever escapes)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sellers_center_client import (
    BatchStatus,
    BatchWaitTimeout,
    Client,
    InvalidRequest,
    RetryPolicy,
    ServerError,
    Timeout,
    TransportError,
    chunks,
)
from tests.client.support import FakeTime, Harness, Script, answer, maybe
from tests.products.factory import jacket

BATCH_ID = "0190f0a0-0000-7000-8000-000000000001"


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(is_async=request.param == "async")


def results(status: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"batchRequestId": BATCH_ID, "status": status, "items": items or []}


async def test_wait_polls_with_growing_intervals_until_final(harness: Harness) -> None:
    item = {"requestItem": {"sku": "JKT-1-S", "quantity": 3}, "success": True, "errors": []}
    pending = [answer(200, results(status)) for status in ("pending", "processing", "retry")]
    script = Script([*pending, answer(200, results("completed", [item]))])
    time = FakeTime()
    async with harness.client(time, script=script) as client:
        result = await maybe(client.batches.wait(BATCH_ID, kind="stocks", poll_interval=1))

    assert result.status is BatchStatus.COMPLETED
    assert result.items[0].request_item.quantity == 3
    assert time.sleeps == [1.0, 1.5, 2.25]
    assert {r.url.params["batch_request_id"] for r in script.requests} == {BATCH_ID}


async def test_wait_gives_up_at_the_timeout_with_a_clear_error(harness: Harness) -> None:
    script, time = Script([answer(200, results("pending"))] * 6), FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(BatchWaitTimeout) as expired:
            await maybe(client.batches.wait(BATCH_ID, kind="prices", timeout=10, poll_interval=1))

    assert str(expired.value) == f"The prices batch {BATCH_ID} is still pending after 10 s"
    assert (expired.value.kind, expired.value.last_status) == ("prices", "pending")
    assert time.sleeps == [1.0, 1.5, 2.25, 3.375, 1.875]  # the last poll is at the deadline
    assert len(script.requests) == 6


async def test_calls_that_cannot_pass_are_refused_before_sending(harness: Harness) -> None:
    script, time = Script([]), FakeTime()
    items = [jacket(sku=f"JKT-{n}-S", style_key=f"JKT-{n}") for n in range(101)]
    async with harness.client(time, script=script) as client:
        with pytest.raises(InvalidRequest) as too_many:
            await maybe(client.products.upsert(items))
        with pytest.raises(InvalidRequest) as empty:
            await maybe(client.stocks.update([]))
        with pytest.raises(InvalidRequest) as misspelt:
            await maybe(client.stocks.update([{"sku": "A", "quantity": 1}, {"sku": "B", "qty": 1}]))
        with pytest.raises(InvalidRequest) as not_an_id:
            await maybe(client.results.get("stocks", "batch-7"))
        with pytest.raises(InvalidRequest) as wrong_kind:
            await maybe(client.batches.wait(BATCH_ID))

    assert str(too_many.value) == (
        "A products batch takes at most 100 items, got 101; "
        "split them with chunks(items, 'products')"
    )
    assert str(empty.value) == "A stocks batch needs at least one item"
    assert misspelt.value.detail == [
        {"type": "value_error", "loc": ["items", 1], "msg": "Value error, unknown field(s) qty"}
    ]
    assert str(not_an_id.value) == "'batch-7' is not a batch id (a UUID)"
    assert "kind" in str(wrong_kind.value)
    assert script.requests == []


def test_chunks_split_by_each_kinds_limit() -> None:
    assert [len(chunk) for chunk in chunks(range(250), "products")] == [100, 100, 50]
    assert [len(chunk) for chunk in chunks(iter(range(2000)), "stocks")] == [1000, 1000]
    assert list(chunks([], "prices")) == []
    with pytest.raises(InvalidRequest):
        list(chunks([1], "orders"))  # type: ignore[arg-type]


async def test_the_blocking_client_works_inside_a_running_event_loop() -> None:
    """It is no ``asyncio.run`` wrapper, so code already in an event loop (a notebook, an async
    application's startup) may call it."""
    script = Script([answer(200, [{"id": 1101, "name": "Aurora"}])])
    with Client("http://sellers.test", "key", transport=script.transport()) as client:
        found = client.catalog.brands()

    assert [brand.id for brand in found] == [1101]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_connection_is_a_transport_error_after_retries(harness: Harness) -> None:
    time = FakeTime()
    async with harness.client(time, base_url=f"http://127.0.0.1:{closed_port()}") as client:
        with pytest.raises(TransportError) as failed:
            await maybe(client.catalog.brands())

    assert failed.value.is_transient
    assert type(failed.value.__cause__).__module__.startswith("httpx2")
    assert time.sleeps == [0.5, 1.0, 2.0]


async def test_an_address_that_cannot_work_is_not_retried(harness: Harness) -> None:
    time = FakeTime()
    async with harness.client(time, base_url="ftp://127.0.0.1:21") as client:
        with pytest.raises(TransportError) as failed:
            await maybe(client.catalog.brands())

    assert not failed.value.is_transient
    assert time.sleeps == []


async def test_every_request_has_finite_timeouts(harness: Harness) -> None:
    script = Script([answer(200, [])] * 2)
    async with harness.client(FakeTime(), script=script) as client:
        await maybe(client.catalog.brands())
    async with harness.client(FakeTime(), script=script, timeout=Timeout(read=2)) as client:
        await maybe(client.catalog.brands())

    default, custom = (request.extensions["timeout"] for request in script.requests)
    assert default == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 5.0}
    assert custom == {"connect": 5.0, "read": 2.0, "write": 30.0, "pool": 5.0}


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


async def test_a_server_that_never_answers_times_out(harness: Harness, silent_port: int) -> None:
    options: dict[str, Any] = {"timeout": Timeout(read=0.2), "retry": RetryPolicy(max_attempts=1)}
    async with harness.client(
        FakeTime(), base_url=f"http://127.0.0.1:{silent_port}", **options
    ) as client:
        with pytest.raises(TransportError) as failed:
            await maybe(client.catalog.brands())

    assert type(failed.value.__cause__).__name__ == "ReadTimeout"


class FlakyHandler(BaseHTTPRequestHandler):
    """Answers 503 with ``Retry-After: 1`` to the first two calls, then 200."""

    calls: list[tuple[str, str | None]]

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append((self.command, self.headers.get("Idempotency-Key")))
        body: object
        if len(self.calls) <= 2:
            body, status = {"message": "The service cannot reach its database"}, 503
        elif self.command == "GET":
            body, status = [{"id": 1101, "name": "Aurora"}], 200
        else:
            body, status = {"batchRequestId": BATCH_ID}, 200
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        if status == 503:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_PUT = _answer  # noqa: N815 - http.server's handler names

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test's output clean."""


@pytest.fixture
def flaky_server() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    calls: list[tuple[str, str | None]] = []
    handler = type("Handler", (FlakyHandler,), {"calls": calls})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll so that shutdown() returns at once.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("call", ["get", "keyed submit", "unkeyed submit"])
async def test_503_twice_over_http(
    harness: Harness, flaky_server: tuple[str, list[tuple[str, str | None]]], call: str
) -> None:
    base_url, calls = flaky_server
    time = FakeTime()
    keyed = call != "unkeyed submit"
    async with harness.client(time, base_url=base_url, automatic_idempotency_keys=keyed) as client:
        if call == "get":
            found = await maybe(client.catalog.brands())
            assert [brand.id for brand in found] == [1101]
        elif keyed:
            ref = await maybe(client.stocks.update([{"sku": "JKT-1-S", "quantity": 1}]))
            assert {key for _, key in calls} == {ref.idempotency_key}
        else:
            with pytest.raises(ServerError) as failed:
                await maybe(client.stocks.update([{"sku": "JKT-1-S", "quantity": 1}]))
            assert (failed.value.status_code, failed.value.retry_after) == (503, 1.0)

    expected_calls = 3 if keyed else 1
    assert len(calls) == expected_calls
    assert time.sleeps == [1.0] * (expected_calls - 1)
