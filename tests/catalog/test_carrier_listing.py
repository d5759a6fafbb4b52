"""``GET /api/v1/orders/carriers/``: the catalogue's carriers, paginated like every listing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sellers_center.catalog.router import CARRIERS_LIMIT
from sellers_center.runtime import Runtime
from tests.catalog.test_import_export import edited, import_document
from tests.catalog.test_lookups import demo_file, get_json
from tests.support import BOTH_BACKENDS, SellerKey

CARRIERS = "/api/v1/orders/carriers/"
CARRIER_KEYS = {"key", "carrier_name", "country_code", "display_label"}
DEMO_CARRIER_COUNT = 68


def demo_carriers() -> list[dict[str, Any]]:
    """The demo file's carriers in the listing's order: by country, then key."""
    carriers: list[dict[str, Any]] = demo_file()["carriers"]
    return sorted(carriers, key=lambda carrier: (carrier["country_code"], carrier["key"]))


@BOTH_BACKENDS
async def test_one_page_of_100_lists_every_carrier_by_country_then_key(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CARRIERS, per_page=100)

    assert set(body) == {"items", "pagination"}
    assert body["items"] == demo_carriers()
    assert [set(item) for item in body["items"]] == [CARRIER_KEYS] * DEMO_CARRIER_COUNT
    assert body["pagination"] == {
        "page": 1,
        "per_page": 100,
        "pages": 1,
        "total": DEMO_CARRIER_COUNT,
        "next": None,
        "prev": None,
    }


async def test_default_page_is_the_first_20(client: httpx.AsyncClient, seller: SellerKey) -> None:
    body = await get_json(client, seller, CARRIERS)

    assert body["items"] == demo_carriers()[:20]
    assert body["items"][0] == {
        "key": "AUSTRIAN_POST",
        "carrier_name": "Österreichische Post",
        "country_code": "AT",
        "display_label": "Austrian Post",
    }
    assert body["pagination"] == {
        "page": 1,
        "per_page": 20,
        "pages": 4,
        "total": DEMO_CARRIER_COUNT,
        "next": "/api/v1/orders/carriers/?page=2&per_page=20",
        "prev": None,
    }


async def test_following_next_links_visits_every_carrier_once_in_order(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    seen: list[dict[str, Any]] = []
    link: str | None = f"{CARRIERS}?per_page=7"
    while link is not None and len(seen) < 2 * DEMO_CARRIER_COUNT:
        body = await get_json(client, seller, link)
        seen += body["items"]
        link = body["pagination"]["next"]

    assert seen == demo_carriers()


async def test_last_page_and_a_page_beyond_it(client: httpx.AsyncClient, seller: SellerKey) -> None:
    last = await get_json(client, seller, CARRIERS, page=4)
    beyond = await get_json(client, seller, CARRIERS, page=9)

    assert last["items"] == demo_carriers()[60:]
    assert (last["pagination"]["next"], last["pagination"]["prev"]) == (
        None,
        "/api/v1/orders/carriers/?page=3&per_page=20",
    )
    assert beyond["items"] == []
    assert beyond["pagination"]["total"] == DEMO_CARRIER_COUNT


async def test_path_without_its_trailing_slash_is_the_same_listing(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    with_slash = await get_json(client, seller, CARRIERS)
    without = await get_json(client, seller, CARRIERS.rstrip("/"))

    assert without["items"] == with_slash["items"]


@BOTH_BACKENDS
async def test_listing_follows_an_import(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await get_json(client, seller, CARRIERS)

    def only_german(data: dict[str, Any]) -> None:
        data["carriers"] = [c for c in data["carriers"] if c["country_code"] == "DE"]

    await import_document(runtime.database, edited(only_german))
    body = await get_json(client, seller, CARRIERS)

    assert [item["key"] for item in body["items"]] == [
        "DHL_EXPRESS",
        "DHL_STD_NATIONAL",
        "DPD",
        "GLS",
        "HERMES",
        "UPS",
    ]
    assert body["pagination"]["total"] == 6


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"per_page": 101}, ["query", "per_page"]),
        ({"per_page": 0}, ["query", "per_page"]),
        ({"page": 0}, ["query", "page"]),
        ({"page": "two"}, ["query", "page"]),
    ],
    ids=["per-page-101", "per-page-0", "page-0", "page-not-a-number"],
)
async def test_out_of_range_paging_is_422(
    client: httpx.AsyncClient, seller: SellerKey, params: dict[str, Any], loc: list[str]
) -> None:
    response = await client.get(CARRIERS, params=params, headers=seller.headers)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "message"}
    assert [entry["loc"] for entry in body["detail"]] == [loc]
    assert body["message"].startswith(f"Invalid request: {'.'.join(loc)}: ")


async def test_a_call_without_a_key_is_401(client: httpx.AsyncClient, seller: SellerKey) -> None:
    response = await client.get(CARRIERS)

    assert response.status_code == 401
    assert set(response.json()) == {"message"}


async def test_100_calls_a_minute_then_429_on_its_own_bucket(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    responses = [await client.get(CARRIERS, headers=seller.headers) for _ in range(101)]
    categories = await client.get("/api/v1/categories/", headers=seller.headers)

    assert CARRIERS_LIMIT == 100
    assert [r.status_code for r in responses] == [200] * 100 + [429]
    assert {r.headers["x-ratelimit-limit"] for r in responses} == {"100"}
    assert responses[-1].headers["retry-after"].isdigit()
    assert (categories.status_code, categories.headers["x-ratelimit-remaining"]) == (200, "99")
