"""Bounds the schemas hold at submit and on reads (docs/api.md#transport-rules, #products-batches,
#stock-batches): pages that cannot exist, quantities, ``valid_at`` as ISO 8601 text, amounts written
as the published pattern says."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sellers_center.pagination import MAX_PAGE
from sellers_center.runtime import Runtime
from tests.http.helpers import (
    PRICE_ITEM,
    PRODUCT_ITEM,
    STOCK_ITEM,
    assert_422,
    body_of,
    count_batches,
    send,
)
from tests.support import BOTH_BACKENDS, SellerKey

LISTS = ["/api/v1/products/", "/api/v1/products/rejected", "/api/v1/categories/"]
PAGE_MESSAGE = (
    f"Input should be less than or equal to {MAX_PAGE}: no page starts beyond the largest "
    "64-bit offset at 100 items per page"
)


# --- pages --------------------------------------------------------------------------------------


@BOTH_BACKENDS
@pytest.mark.parametrize("path", LISTS)
async def test_a_page_past_any_64_bit_offset_is_422_saying_why(
    client: httpx.AsyncClient, seller: SellerKey, path: str
) -> None:
    response = await client.get(path, params={"page": 2**62}, headers=seller.headers)

    entry = assert_422(response, ["query", "page"], "less_than_equal")
    assert entry["msg"] == PAGE_MESSAGE
    assert entry["ctx"] == {"le": MAX_PAGE, "per_page": 100}


@BOTH_BACKENDS
@pytest.mark.parametrize("path", LISTS)
async def test_the_last_page_that_can_exist_is_an_empty_page(
    client: httpx.AsyncClient, seller: SellerKey, path: str
) -> None:
    params = {"page": MAX_PAGE, "per_page": 100}

    response = await client.get(path, params=params, headers=seller.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["items"] == []
    assert body["pagination"]["page"] == MAX_PAGE
    assert body["pagination"]["next"] is None


def test_the_page_bound_keeps_every_offset_within_64_bits() -> None:
    assert (MAX_PAGE - 1) * 100 <= 2**63 - 1 < MAX_PAGE * 100


# --- product quantity ---------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [2**70, 1_000_001])
async def test_a_product_quantity_over_a_million_is_422_like_on_the_stock_endpoint(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, quantity: int
) -> None:
    product = await send(
        client, "products", body_of({**PRODUCT_ITEM, "quantity": quantity}), seller.headers
    )
    stock = await send(
        client, "stocks", body_of({**STOCK_ITEM, "quantity": quantity}), seller.headers
    )

    entry = assert_422(product, ["body", "items", 0, "quantity"], "less_than_equal")
    assert entry["msg"] == "Input should be less than or equal to 1000000"
    assert stock.json()["detail"][0]["msg"] == entry["msg"]
    assert await count_batches(runtime) == 0


async def test_a_product_quantity_of_a_million_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = body_of({**PRODUCT_ITEM, "quantity": 1_000_000})

    response = await send(client, "products", body, seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


# --- valid_at -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["stocks", "prices"])
@pytest.mark.parametrize("valid_at", [1700000000, 1700000000.5, "1700000000", True, "soon"])
async def test_valid_at_that_is_not_iso_8601_text_is_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, valid_at: Any
) -> None:
    item = {**(STOCK_ITEM if kind == "stocks" else PRICE_ITEM), "valid_at": valid_at}

    response = await send(client, kind, body_of(item), seller.headers)

    entry = assert_422(response, ["body", "items", 0, "valid_at"], "datetime_type")
    assert entry["msg"] == (
        "Input should be an ISO 8601 date-time string, such as 2025-03-01T12:00:00Z"
    )
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("kind", ["stocks", "prices"])
@pytest.mark.parametrize("valid_at", ["2025-03-01T12:00:00Z", "2025-03-01T12:00:00+01:00", None])
async def test_valid_at_as_iso_8601_text_or_null_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, valid_at: Any
) -> None:
    item = {**(STOCK_ITEM if kind == "stocks" else PRICE_ITEM), "valid_at": valid_at}

    response = await send(client, kind, body_of(item), seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


# --- amounts written as text --------------------------------------------------------------------


def price_body(amount: str) -> bytes:
    return json.dumps(
        {"items": [{**PRICE_ITEM, "price": {**PRICE_ITEM["price"], "retail_price": amount}}]}
    ).encode()


def product_body(amount: str) -> bytes:
    prices = [{"country_code": "DE", "retail_price": amount}]
    return body_of({**PRODUCT_ITEM, "prices": prices})


@pytest.mark.parametrize(
    "amount",
    ["  12 ", "1_000", "1e3", "NaN", "Infinity", "+12", "12.", ".5", "12\n", "١٢", ""],
    ids=[
        "spaces",
        "underscore",
        "exponent",
        "nan",
        "infinity",
        "plus",
        "trailing-point",
        "leading-point",
        "newline",
        "arabic-indic-digits",
        "empty",
    ],
)
@pytest.mark.parametrize("kind", ["prices", "products"])
async def test_an_amount_string_off_the_published_pattern_is_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, amount: str
) -> None:
    body = price_body(amount) if kind == "prices" else product_body(amount)
    loc = ["price", "retail_price"] if kind == "prices" else ["prices", 0, "retail_price"]

    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body", "items", 0, *loc], "string_pattern_mismatch")
    assert entry["msg"] == "String should match pattern '^-?\\d+(\\.\\d+)?$'"
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("amount", ["12", "129.95", "0.5"])
@pytest.mark.parametrize("kind", ["prices", "products"])
async def test_an_amount_string_on_the_pattern_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, amount: str
) -> None:
    body = price_body(amount) if kind == "prices" else product_body(amount)

    response = await send(client, kind, body, seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1
