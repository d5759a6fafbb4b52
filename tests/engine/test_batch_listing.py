"""``GET /api/v1/batches`` and ``GET /api/v1/batches/{id}`` on both databases
(docs/api.md#the-sellers-batches): the seller's own batches newest first, their counts, every
filter, cursor pages, and nothing of another seller's."""

from __future__ import annotations

import uuid
from datetime import timedelta, timezone
from typing import Any

import httpx

from sellers_center.clock import ManualClock
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

LIST = "/api/v1/batches/"


async def echo(client: httpx.AsyncClient, seller: SellerKey, *values: str) -> str:
    items = ",".join(f'{{"value": "{value}"}}' for value in values)
    response = await client.post(
        "/api/v1/echo/", content=f'{{"items": [{items}]}}', headers=seller.headers
    )
    assert response.status_code == 200, response.text
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def stock(client: httpx.AsyncClient, seller: SellerKey, sku: str) -> str:
    body = f'{{"items": [{{"sku": "{sku}", "quantity": 1}}]}}'
    response = await client.put("/api/v1/products/stocks", content=body, headers=seller.headers)
    assert response.status_code == 200, response.text
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def listing(
    client: httpx.AsyncClient, seller: SellerKey, params: Any = None
) -> dict[str, Any]:
    response = await client.get(LIST, params=params, headers=seller.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [item["batchRequestId"] for item in page["items"]]


async def test_each_batch_is_listed_with_its_counts_once_final(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    start = clock.now()
    first = await echo(client, seller, "a", "bad", "c")
    clock.advance(1)
    second = await echo(client, seller, "d")
    clock.advance(1)
    worker = runtime.worker()
    await worker.run_once()  # the first: the oldest is claimed first
    finished = clock.now()

    page = await listing(client, seller)

    assert page == {
        "items": [
            {
                "batchRequestId": second,
                "kind": "echo",
                "status": "pending",
                "created_at": (start + timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
                "started_at": None,
                "finished_at": None,
                "attempts": 0,
                "item_count": 1,
                "succeeded": None,
                "failed": None,
            },
            {
                "batchRequestId": first,
                "kind": "echo",
                "status": "completed",
                "created_at": start.isoformat().replace("+00:00", "Z"),
                "started_at": finished.isoformat().replace("+00:00", "Z"),
                "finished_at": finished.isoformat().replace("+00:00", "Z"),
                "attempts": 1,
                "item_count": 3,
                "succeeded": 2,
                "failed": 1,
            },
        ],
        "pagination": {"per_page": 20, "next": None, "next_cursor": None},
    }
    one = await client.get(f"{LIST}{first}", headers=seller.headers)
    assert one.json() == page["items"][1]


async def test_a_batch_that_ran_out_of_attempts_counts_every_item_failed(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    batch_id = await echo(client, seller, "a", "unavailable")
    worker = runtime.worker()
    for _ in range(runtime.settings.max_attempts):
        await worker.run_once()
        clock.advance(60)

    [item] = (await listing(client, seller))["items"]

    assert (item["batchRequestId"], item["status"]) == (batch_id, "failed")
    assert (item["item_count"], item["succeeded"], item["failed"]) == (2, 0, 2)


async def test_another_sellers_batches_are_never_listed_nor_read(
    client: httpx.AsyncClient, seller: SellerKey, other_seller: SellerKey
) -> None:
    mine = await echo(client, seller, "a")
    theirs = await echo(client, other_seller, "a")

    assert ids(await listing(client, seller)) == [mine]
    assert ids(await listing(client, other_seller)) == [theirs]
    response = await client.get(f"{LIST}{theirs}", headers=seller.headers)
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Batch request not found"},
    )


async def test_an_unknown_id_is_a_404_and_a_malformed_one_a_422(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    unknown = await client.get(f"{LIST}{uuid.uuid4()}", headers=seller.headers)
    malformed = await client.get(f"{LIST}not-a-uuid", headers=seller.headers)

    assert unknown.status_code == 404
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "batch_request_id"]


async def test_filters_by_kind_status_and_creation_time(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    start = clock.now()
    done = await echo(client, seller, "a")
    await runtime.worker().run_once()
    clock.advance(10)
    waiting = await echo(client, seller, "b")
    clock.advance(10)
    stocks = await stock(client, seller, "SKU-1")

    async def listed(**params: Any) -> list[str]:
        return ids(await listing(client, seller, params))

    assert await listed() == [stocks, waiting, done]
    assert await listed(kind="echo") == [waiting, done]
    assert await listed(kind="stocks") == [stocks]
    assert await listed(status="pending") == [stocks, waiting]
    assert await listed(status=["completed", "pending"], kind="echo") == [waiting, done]
    assert await listed(created_from=(start + timedelta(seconds=10)).isoformat()) == [
        stocks,
        waiting,
    ]
    assert await listed(created_to=(start + timedelta(seconds=10)).isoformat()) == [waiting, done]
    naive = (start + timedelta(seconds=5)).replace(tzinfo=None).isoformat()
    assert await listed(created_from=naive, created_to=naive) == []
    assert await listed(created_to=naive) == [done]
    east = (start + timedelta(seconds=20)).astimezone(timezone(timedelta(hours=2)))
    assert await listed(created_from=east.isoformat()) == [stocks]


async def test_pages_follow_the_cursor_newest_first_without_gaps_or_repeats(
    client: httpx.AsyncClient, seller: SellerKey, clock: ManualClock
) -> None:
    submitted = []
    for number in range(7):
        submitted.append(await echo(client, seller, f"v{number}"))
        if number % 3 == 0:
            clock.advance(1)  # some batches share a creation time: the id breaks the tie
    seen: list[str] = []
    page = await listing(client, seller, {"per_page": 3, "kind": "echo"})
    links = []
    while True:
        seen += ids(page)
        link = page["pagination"]["next"]
        if link is None:
            break
        links.append(link)
        assert link.startswith(f"{LIST}?per_page=3&kind=echo&cursor=")
        response = await client.get(link, headers=seller.headers)
        page = response.json()

    assert len(links) == 2
    assert sorted(seen) == sorted(submitted)
    assert len(seen) == 7
    assert seen == sorted(seen, key=lambda batch: submitted.index(batch), reverse=True)


async def test_bad_parameters_are_422_naming_them(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey
) -> None:
    async def refused(params: dict[str, Any]) -> dict[str, Any]:
        response = await client.get(LIST, params=params, headers=seller.headers)
        assert response.status_code == 422, response.text
        body: dict[str, Any] = response.json()
        return body

    kind = await refused({"kind": "orders"})
    names = ", ".join(f"'{kind.name}'" for kind in sorted(runtime.kinds, key=lambda k: k.name))
    assert kind["detail"][0]["loc"] == ["query", "kind"]
    assert kind["detail"][0]["msg"] == f"Input should be one of {names}"
    assert (await refused({"status": "done"}))["detail"][0]["loc"] == ["query", "status", 0]
    assert (await refused({"per_page": 101}))["detail"][0]["loc"] == ["query", "per_page"]
    assert (await refused({"per_page": 0}))["detail"][0]["loc"] == ["query", "per_page"]
    assert (await refused({"created_from": "yesterday"}))["detail"][0]["loc"] == [
        "query",
        "created_from",
    ]
    cursor = await refused({"cursor": "bm90IGEgY3Vyc29y"})
    assert cursor["detail"][0]["loc"] == ["query", "cursor"]
    assert cursor["detail"][0]["msg"] == (
        "not a cursor this listing gave: pass a page's next_cursor as it came"
    )


async def test_listing_needs_a_key_and_counts_against_its_own_bucket(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    stranger = await client.get(LIST)
    listed = await client.get(LIST, headers=seller.headers)
    read = await client.get(f"{LIST}{uuid.uuid4()}", headers=seller.headers)

    assert stranger.status_code == 401
    assert listed.headers["X-RateLimit-Limit"] == "100"
    assert read.headers["X-RateLimit-Limit"] == "200"
    without_slash = await client.get(LIST.rstrip("/"), headers=seller.headers)
    assert (without_slash.status_code, without_slash.json()) == (200, listed.json())
