"""``GET /api/v1/results/<kind>`` with ``only=failed``, ``page`` and ``per_page``
(docs/api.md#results), on both databases: without them the answer is the stored results byte for
byte; with them, the matching items as they were stored, and ``pagination`` when a page is asked
for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sellers_center.db.tables import BatchResult
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

RESULTS = "/api/v1/results/echo"
# Numbers a float would not keep as written: the stored echo keeps them, and so must a page.
BODY = (
    b'{"items": [{"value": "a", "n": 1.50}, {"value": "bad", "n": 1e2}, {"value": "c"},'
    b' {"value": "bad", "n": 0.10}, {"value": "bad", "n": -0.0}]}'
)


@pytest.fixture
async def batch_id(runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey) -> str:
    response = await client.post("/api/v1/echo/", content=BODY, headers=seller.headers)
    assert await runtime.worker().run_once() is True
    submitted: str = response.json()["batchRequestId"]
    return submitted


async def read(
    client: httpx.AsyncClient, seller: SellerKey, batch_id: str, **params: Any
) -> httpx.Response:
    query = {"batch_request_id": batch_id, **params}
    return await client.get(RESULTS, params=query, headers=seller.headers)


async def stored_items(runtime: Runtime) -> bytes:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(BatchResult.items))).scalar_one()


def item_texts(stored: bytes) -> list[bytes]:
    """Each stored item's own bytes: the stored array is compact, and no value in this test
    holds the text that opens an item."""
    starts = [n for n in range(len(stored)) if stored.startswith(b'{"requestItem":', n)]
    ends = [start - 1 for start in starts[1:]] + [len(stored) - 1]
    return [stored[start:end] for start, end in zip(starts, ends, strict=True)]


async def test_without_paging_the_answer_is_the_stored_results_byte_for_byte(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> None:
    response = await read(client, seller, batch_id)

    stored = await stored_items(runtime)
    head = f'{{"batchRequestId":"{batch_id}","status":"completed","items":'.encode()
    assert response.content == head + stored + b"}"
    assert b'"n":1.50' in stored
    assert b'"n":1E+2' in stored


async def test_only_failed_answers_every_failed_item_as_stored_without_pagination(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> None:
    response = await read(client, seller, batch_id, only="failed")

    items = item_texts(await stored_items(runtime))
    head = f'{{"batchRequestId":"{batch_id}","status":"completed","items":'.encode()
    assert response.status_code == 200
    assert response.content == head + b"[" + b",".join(items[n] for n in (1, 3, 4)) + b"]}"


async def test_a_page_of_the_failures_carries_pagination_with_links(
    runtime: Runtime, client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> None:
    response = await read(client, seller, batch_id, only="failed", page=2, per_page=1)

    items = item_texts(await stored_items(runtime))
    body = response.json()
    assert response.content.startswith(
        f'{{"batchRequestId":"{batch_id}","status":"completed","items":['.encode()
        + items[3]
        + b'],"pagination":'
    )
    query = f"batch_request_id={batch_id}&only=failed"
    assert body["pagination"] == {
        "page": 2,
        "per_page": 1,
        "pages": 3,
        "total": 3,
        "next": f"{RESULTS}?{query}&page=3&per_page=1",
        "prev": f"{RESULTS}?{query}&page=1&per_page=1",
    }


async def test_pages_of_all_items_cover_the_batch_once(
    client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> None:
    whole = (await read(client, seller, batch_id)).json()["items"]
    pages = [(await read(client, seller, batch_id, page=n, per_page=2)).json() for n in (1, 2, 3)]

    assert [item for page in pages for item in page["items"]] == whole
    assert [page["pagination"]["total"] for page in pages] == [5, 5, 5]
    assert pages[2]["pagination"]["next"] is None
    default = (await read(client, seller, batch_id, page=1)).json()
    assert (default["pagination"]["per_page"], len(default["items"])) == (20, 5)
    beyond = (await read(client, seller, batch_id, page=9, per_page=2)).json()
    assert (beyond["items"], beyond["pagination"]["total"]) == ([], 5)


async def test_a_batch_not_final_yet_has_no_items_on_any_page(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.post("/api/v1/echo/", content=BODY, headers=seller.headers)
    batch_id = response.json()["batchRequestId"]

    body = (await read(client, seller, batch_id, only="failed", per_page=10)).json()

    assert body == {
        "batchRequestId": batch_id,
        "status": "pending",
        "items": [],
        "pagination": {
            "page": 1,
            "per_page": 10,
            "pages": 0,
            "total": 0,
            "next": None,
            "prev": None,
        },
    }


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"only": "succeeded"}, ["query", "only"]),
        ({"only": ""}, ["query", "only"]),
        ({"page": 0}, ["query", "page"]),
        ({"page": "first"}, ["query", "page"]),
        ({"per_page": 101}, ["query", "per_page"]),
    ],
)
async def test_bad_paging_is_a_422_naming_the_parameter(
    client: httpx.AsyncClient,
    seller: SellerKey,
    batch_id: str,
    params: dict[str, Any],
    loc: list[str],
) -> None:
    response = await read(client, seller, batch_id, **params)

    assert response.status_code == 422
    assert [entry["loc"] for entry in response.json()["detail"]] == [loc]


async def test_another_sellers_batch_is_not_found_on_any_page(
    client: httpx.AsyncClient, other_seller: SellerKey, batch_id: str
) -> None:
    response = await read(client, other_seller, batch_id, only="failed", page=1)

    assert (response.status_code, response.json()) == (404, {"message": "Batch request not found"})
