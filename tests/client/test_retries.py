"""Retries, 429s and pacing of both clients, over scripted answers and a clock that moves only
when the client sleeps (every test runs once per client)."""

from __future__ import annotations

import httpx2
import pytest

from sellers_center_client import (
    ApiError,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponse,
    ValidationFailed,
)
from tests.client.support import FakeTime, Harness, Script, answer, maybe, sent_json

BRANDS = [{"id": 1101, "name": "Aurora"}]
ACCEPTED = {"batchRequestId": "0190f0a0-0000-7000-8000-000000000001"}
STOCK = [{"sku": "JKT-1-S", "quantity": 3}]


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(is_async=request.param == "async")


def unavailable(retry_after: str | None = "2") -> httpx2.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return answer(503, {"message": "database unavailable"}, {**headers, "X-Request-ID": "r-503"})


def limited(retry_after: str) -> httpx2.Response:
    headers = {"Retry-After": retry_after, "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"}
    return answer(429, {"message": "Rate limit exceeded"}, headers)


def brands(remaining: int, limit: int = 2) -> httpx2.Response:
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    return answer(200, BRANDS, headers)


async def test_a_get_is_retried_after_503_as_retry_after_says(harness: Harness) -> None:
    script, time = Script([unavailable(), unavailable(), answer(200, BRANDS)]), FakeTime()
    async with harness.client(time, script=script) as client:
        found = await maybe(client.catalog.brands())

    assert [brand.id for brand in found] == [1101]
    assert time.sleeps == [2.0, 2.0]
    assert len(script.requests) == 3


async def test_a_keyed_submit_is_retried_with_the_same_key_and_body(harness: Harness) -> None:
    script = Script([unavailable(), answer(502, {"message": "bad gateway"}), answer(200, ACCEPTED)])
    time = FakeTime()
    async with harness.client(time, script=script) as client:
        ref = await maybe(client.stocks.update(STOCK))

    keys = {request.headers["Idempotency-Key"] for request in script.requests}
    assert keys == {ref.idempotency_key}
    assert {request.content for request in script.requests} == {script.requests[0].content}
    assert sent_json(script.requests[0]) == {"items": STOCK}
    assert str(ref.batch_id) == ACCEPTED["batchRequestId"]
    assert time.sleeps == [2.0, 1.0]  # Retry-After, then the second backoff step


async def test_a_key_of_ones_own_is_sent_as_given(harness: Harness) -> None:
    script, time = Script([answer(200, ACCEPTED)]), FakeTime()
    async with harness.client(time, script=script) as client:
        ref = await maybe(client.stocks.update(STOCK, idempotency_key="chunk-7"))

    assert script.requests[0].headers["Idempotency-Key"] == "chunk-7"
    assert ref.idempotency_key == "chunk-7"


async def test_an_unkeyed_submit_is_not_retried(harness: Harness) -> None:
    script, time = Script([unavailable(), answer(200, ACCEPTED)]), FakeTime()
    async with harness.client(time, script=script, automatic_idempotency_keys=False) as client:
        with pytest.raises(ServerError) as failed:
            await maybe(client.stocks.update(STOCK))

    assert (failed.value.status_code, failed.value.retry_after) == (503, 2.0)
    assert (failed.value.message, failed.value.request_id) == ("database unavailable", "r-503")
    assert "Idempotency-Key" not in script.requests[0].headers
    assert (len(script.requests), time.sleeps) == (1, [])


async def test_server_errors_are_retried_up_to_the_policy_then_raised(harness: Harness) -> None:
    script = Script([answer(500, {"message": "Internal server error"})] * 4)
    time = FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(ServerError) as failed:
            await maybe(client.catalog.countries())

    assert failed.value.message == "Internal server error"
    assert len(script.requests) == 4
    assert time.sleeps == [0.5, 1.0, 2.0]


async def test_jitter_keeps_each_wait_between_half_and_all_of_the_step(harness: Harness) -> None:
    script = Script([answer(500, {"message": "x"})] * 3 + [answer(200, BRANDS)])
    time = FakeTime()
    policy = RetryPolicy(jitter=lambda: 0.0)
    async with harness.client(time, script=script, retry=policy) as client:
        await maybe(client.catalog.brands())

    assert time.sleeps == [0.25, 0.5, 1.0]


async def test_errors_that_cannot_pass_are_not_retried(harness: Harness) -> None:
    script = Script([answer(501, {"message": "not implemented"})])
    time = FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(ServerError):
            await maybe(client.catalog.brands())

    assert (len(script.requests), time.sleeps) == (1, [])


async def test_a_503_asking_for_longer_than_the_cap_is_raised_at_once(harness: Harness) -> None:
    script, time = Script([unavailable("600")]), FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(ServerError) as failed:
            await maybe(client.catalog.brands())

    assert failed.value.retry_after == 600.0
    assert time.sleeps == []


async def test_a_429_is_waited_out_even_for_an_unkeyed_submit(harness: Harness) -> None:
    script, time = Script([limited("7"), answer(200, ACCEPTED)]), FakeTime()
    async with harness.client(time, script=script, automatic_idempotency_keys=False) as client:
        ref = await maybe(client.stocks.update(STOCK))

    assert str(ref.batch_id) == ACCEPTED["batchRequestId"]
    assert time.sleeps == [7.0]


async def test_429s_beyond_the_policy_raise_rate_limited(harness: Harness) -> None:
    script, time = Script([limited("1")] * 3 + [limited("90")]), FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(RateLimited) as refused:
            await maybe(client.catalog.brands())
    script_many, time_many = Script([limited("1")] * 4), FakeTime()
    async with harness.client(time_many, script=script_many) as client:
        with pytest.raises(RateLimited) as exhausted:
            await maybe(client.catalog.brands())

    assert refused.value.retry_after == 90.0  # over max_retry_after: not waited
    assert time.sleeps == [1.0, 1.0, 1.0]
    assert exhausted.value.message == "Rate limit exceeded"
    assert (len(script_many.requests), time_many.sleeps) == (4, [1.0, 1.0, 1.0])


async def test_an_endpoint_with_no_calls_left_is_paced_not_refused(harness: Harness) -> None:
    answers = [
        brands(1),
        brands(0),
        answer(200, {"countries": [], "locales": [], "currencies": []}),
    ]
    script, time = Script([*answers, brands(1)]), FakeTime()
    async with harness.client(time, script=script) as client:
        await maybe(client.catalog.brands())  # t=1000
        time.now += 10
        await maybe(client.catalog.brands())  # t=1010: none left until the first leaves
        await maybe(client.catalog.countries())  # another bucket: not held back
        assert time.sleeps == []
        await maybe(client.catalog.brands())

    assert time.sleeps == [50.0]  # until t=1060, a minute after the first call
    assert len(script.requests) == 4


async def test_a_429_holds_back_the_next_calls_of_that_endpoint(harness: Harness) -> None:
    script, time = Script([limited("30"), brands(1), brands(1)]), FakeTime()
    async with harness.client(time, script=script, retry=RetryPolicy(rate_limit_retries=0)) as c:
        with pytest.raises(RateLimited):
            await maybe(c.catalog.brands())
        assert time.sleeps == []
        time.now += 10
        await maybe(c.catalog.brands())

    assert time.sleeps == [20.0]


async def test_connection_failures_are_retried_for_a_get(harness: Harness) -> None:
    script = Script([httpx2.ConnectError("refused"), answer(200, BRANDS)])
    time = FakeTime()
    async with harness.client(time, script=script) as client:
        found = await maybe(client.catalog.brands())

    assert [brand.id for brand in found] == [1101]
    assert time.sleeps == [0.5]


async def test_a_timeout_of_an_unkeyed_submit_is_a_transport_error(harness: Harness) -> None:
    script, time = Script([httpx2.ReadTimeout("timed out")]), FakeTime()
    async with harness.client(time, script=script, automatic_idempotency_keys=False) as client:
        with pytest.raises(TransportError) as failed:
            await maybe(client.stocks.update(STOCK))

    assert failed.value.is_transient
    assert isinstance(failed.value.__cause__, httpx2.ReadTimeout)
    assert failed.value.message == "PUT /api/v1/products/stocks got no answer: timed out"
    assert time.sleeps == []


async def test_answers_that_are_not_the_api_are_unexpected_responses(harness: Harness) -> None:
    html = httpx2.Response(200, content=b"<html>login</html>", headers={"X-Request-ID": "r-1"})
    proxy = httpx2.Response(400, content=b"<html>Bad Request</html>")
    script, time = Script([html, proxy]), FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await maybe(client.catalog.countries())
        with pytest.raises(ApiError) as rejected:
            await maybe(client.catalog.countries())

    assert unexpected.value.request_id == "r-1"
    assert str(unexpected.value).startswith("The server's answer (200) does not match the API")
    assert type(rejected.value) is ApiError
    assert (rejected.value.status_code, str(rejected.value)) == (
        400,
        "HTTP 400: <html>Bad Request</html>",
    )


async def test_a_422_without_detail_is_still_validation_failed(harness: Harness) -> None:
    message = "Idempotency-Key k-1 was used for another request"
    script, time = Script([answer(422, {"message": message})]), FakeTime()
    async with harness.client(time, script=script) as client:
        with pytest.raises(ValidationFailed) as refused:
            await maybe(client.stocks.update(STOCK, idempotency_key="k-1"))

    assert (refused.value.message, refused.value.detail) == (message, [])
    assert len(script.requests) == 1
