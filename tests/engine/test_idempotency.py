"""``Idempotency-Key`` on every submit endpoint, on both databases (docs/api.md#idempotency-keys):
the same key and body answer with the same batch for the key's window, final or not; another
body or endpoint is a 422 that stores nothing; malformed keys are refused; keys are per seller;
expired keys are cleared by the worker's maintenance and can be used again."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sellers_center.clock import ManualClock
from sellers_center.db.tables import Batch, IdempotencyKey
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

ECHO = "/api/v1/echo/"
BODY = b'{"items": [{"value": "a"}, {"value": "bad"}]}'
OTHER_BODY = b'{"items": [{"value": "b"}]}'
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
WINDOW = timedelta(hours=24)


def keyed(seller: SellerKey, key: str = KEY) -> dict[str, str]:
    return {**seller.headers, "Idempotency-Key": key}


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes = BODY, path: str = ECHO
) -> httpx.Response:
    return await client.post(path, content=body, headers=headers)


async def batch_id_of(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes = BODY
) -> str:
    response = await post(client, headers, body)
    assert response.status_code == 200, response.text
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def stored(runtime: Runtime) -> tuple[int, list[tuple[int, str, str]]]:
    """The number of batches, and every stored key as (seller, key, kind)."""
    async with runtime.database.read_session() as session:
        batches = (await session.execute(select(func.count()).select_from(Batch))).scalar_one()
        keys = await session.execute(
            select(IdempotencyKey.seller_id, IdempotencyKey.key, IdempotencyKey.kind).order_by(
                IdempotencyKey.seller_id, IdempotencyKey.key
            )
        )
        return batches, [(row.seller_id, row.key, row.kind) for row in keys]


def refusal(response: httpx.Response) -> tuple[str, str]:
    """A 422 located at the header: its error type and text (the message repeats the text)."""
    assert response.status_code == 422, response.text
    body = response.json()
    [entry] = body["detail"]
    assert entry["loc"] == ["header", "Idempotency-Key"]
    assert body["message"] == f"Invalid request: header.Idempotency-Key: {entry['msg']}"
    return entry["type"], entry["msg"]


async def status_of(client: httpx.AsyncClient, seller: SellerKey, batch_id: str) -> Any:
    response = await client.get(
        "/api/v1/results/echo", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    return response.json()["status"]


async def test_same_key_and_body_answer_the_same_batch_after_it_is_final(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    first = await batch_id_of(client, keyed(seller))
    assert await runtime.worker().run_once() is True
    assert await status_of(client, seller, first) == "completed"
    clock.advance(WINDOW.total_seconds() - 1)

    again = await batch_id_of(client, keyed(seller))

    assert again == first
    assert await stored(runtime) == (1, [(seller.seller_id, KEY, "echo")])


async def test_without_a_key_an_identical_body_after_the_final_is_a_new_batch(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    first = await batch_id_of(client, seller.headers)
    assert await batch_id_of(client, seller.headers) == first  # open: deduplicated, as before
    await runtime.worker().run_once()

    assert await batch_id_of(client, seller.headers) != first
    assert await stored(runtime) == (2, [])


async def test_same_key_with_another_body_is_a_422_and_stores_nothing(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    await batch_id_of(client, keyed(seller))
    before = await stored(runtime)

    response = await post(client, keyed(seller), OTHER_BODY)

    assert refusal(response) == (
        "idempotency_key_reused",
        "This Idempotency-Key was used for another request (with another body) within the "
        "last 24 hours; send a new request with a new key",
    )
    assert await stored(runtime) == before


async def test_the_body_is_compared_byte_for_byte(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    await batch_id_of(client, keyed(seller))
    same_json_other_bytes = json.dumps(json.loads(BODY), indent=2).encode()

    response = await post(client, keyed(seller), same_json_other_bytes)

    assert response.status_code == 422
    assert (await stored(runtime))[0] == 1


async def test_same_key_on_another_endpoint_is_a_422_and_stores_nothing(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    await batch_id_of(client, keyed(seller))
    before = await stored(runtime)
    stock = b'{"items": [{"sku": "A", "quantity": 1}]}'

    response = await client.put("/api/v1/products/stocks", content=stock, headers=keyed(seller))

    assert refusal(response) == (
        "idempotency_key_reused",
        "This Idempotency-Key was used for another request (on another endpoint) within the "
        "last 24 hours; send a new request with a new key",
    )
    assert await stored(runtime) == before


async def test_keys_of_different_sellers_never_collide(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, other_seller: SellerKey
) -> None:
    mine = await batch_id_of(client, keyed(seller))
    theirs = await batch_id_of(client, keyed(other_seller), OTHER_BODY)

    assert theirs != mine
    assert await batch_id_of(client, keyed(seller)) == mine
    assert await stored(runtime) == (
        2,
        [(seller.seller_id, KEY, "echo"), (other_seller.seller_id, KEY, "echo")],
    )


async def test_a_quoted_key_is_the_same_key_as_the_bare_one(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    bare = await batch_id_of(client, keyed(seller))

    assert await batch_id_of(client, keyed(seller, f'"{KEY}"')) == bare


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Idempotency-Key is empty: send 1 to 255 characters"),
        ('""', "Idempotency-Key is empty: send 1 to 255 characters"),
        ("k" * 256, "Idempotency-Key has 256 characters: send at most 255"),
        (
            b"caf\xc3\xa9",  # UTF-8
            "Idempotency-Key may hold printable ASCII characters only (letters, digits, "
            "punctuation, spaces), e.g. a UUID",
        ),
        (
            b"a\x7fb",
            "Idempotency-Key may hold printable ASCII characters only (letters, digits, "
            "punctuation, spaces), e.g. a UUID",
        ),
        ('"open', "Idempotency-Key opens a quoted string it does not close"),
        ('"a"b"', "Idempotency-Key holds an unescaped quote inside its quoted string"),
    ],
)
async def test_a_malformed_key_is_a_422_and_stores_nothing(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, key: str | bytes, message: str
) -> None:
    headers = [(b"X-API-Key", seller.key.encode()), (b"Idempotency-Key", _bytes(key))]

    response = await client.post(ECHO, content=BODY, headers=headers)

    assert refusal(response) == ("idempotency_key", message)
    assert await stored(runtime) == (0, [])


def _bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode()


async def test_a_key_sent_twice_is_a_422(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    headers = [("X-API-Key", seller.key), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]

    response = await client.post(ECHO, content=BODY, headers=headers)

    assert refusal(response) == (
        "idempotency_key",
        "Idempotency-Key is given 2 times: send one key per request",
    )
    assert await stored(runtime) == (0, [])


async def test_a_stranger_with_a_malformed_key_is_a_401(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    response = await client.post(ECHO, content=BODY, headers={"Idempotency-Key": ""})

    assert response.status_code == 401
    assert await stored(runtime) == (0, [])


async def test_an_expired_key_is_cleared_by_maintenance_and_can_be_used_again(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    first = await batch_id_of(client, keyed(seller))
    worker = runtime.worker()
    await worker.run_once()
    clock.advance(WINDOW.total_seconds())

    await worker.run_maintenance()
    assert await stored(runtime) == (1, [])
    again = await batch_id_of(client, keyed(seller), OTHER_BODY)

    assert again != first
    assert await stored(runtime) == (2, [(seller.seller_id, KEY, "echo")])


async def test_an_expired_key_is_taken_over_before_maintenance_clears_it(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    first = await batch_id_of(client, keyed(seller))
    await runtime.worker().run_once()
    clock.advance(WINDOW.total_seconds())

    again = await batch_id_of(client, keyed(seller))

    assert again != first
    assert await stored(runtime) == (2, [(seller.seller_id, KEY, "echo")])


async def test_the_window_is_a_setting(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    runtime.settings.idempotency_key_hours = 1
    first = await batch_id_of(client, keyed(seller))
    await runtime.worker().run_once()
    clock.advance(3599)
    assert await batch_id_of(client, keyed(seller)) == first
    response = await post(client, keyed(seller), OTHER_BODY)
    assert "within the last 1 hours" in refusal(response)[1]
    clock.advance(1)

    assert await batch_id_of(client, keyed(seller)) != first


async def test_a_key_goes_with_its_batch_when_retention_deletes_it(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    runtime.settings.idempotency_key_hours = 24 * 365
    await batch_id_of(client, keyed(seller))
    worker = runtime.worker()
    await worker.run_once()
    clock.advance(timedelta(days=31).total_seconds())

    await worker.run_maintenance()

    assert await stored(runtime) == (0, [])


async def test_concurrent_requests_with_one_key_resolve_to_one_batch(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    responses = await asyncio.gather(*(post(client, keyed(seller)) for _ in range(6)))

    assert [response.status_code for response in responses] == [200] * 6
    assert len({response.json()["batchRequestId"] for response in responses}) == 1
    assert await stored(runtime) == (1, [(seller.seller_id, KEY, "echo")])


async def test_concurrent_requests_with_one_key_and_other_bodies_store_one(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    bodies = [json.dumps({"items": [{"value": f"v{n}"}]}).encode() for n in range(6)]

    responses = await asyncio.gather(*(post(client, keyed(seller), body) for body in bodies))

    assert sorted(response.status_code for response in responses) == [200] + [422] * 5
    assert await stored(runtime) == (1, [(seller.seller_id, KEY, "echo")])
