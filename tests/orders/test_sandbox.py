"""POST /api/v1/sandbox/orders (docs/api.md#placing-orders): in sandbox mode a seller's own key
places orders as the shop would; outside it the path does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests import support
from tests.orders.helpers import (
    DE_GROSS,
    MEDIUM,
    SMALL,
    active_jackets,
    listed_order,
    quantity,
    stored_statuses,
)
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

SANDBOX_ORDERS = "/api/v1/sandbox/orders"


@pytest.fixture
async def sandbox(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    runtime.settings = runtime.settings.model_copy(update={"sandbox": True})
    transport = httpx.ASGITransport(app=support.app_of(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def jackets(sandbox: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    await active_jackets(sandbox, runtime, seller)


async def post(
    client: httpx.AsyncClient, seller: SellerKey, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(SANDBOX_ORDERS, json=body, headers=seller.headers)


async def test_a_placed_order_is_201_with_the_order_as_listed(
    sandbox: httpx.AsyncClient, seller: SellerKey, jackets: None
) -> None:
    body = {
        "items": [{"sku": SMALL, "quantity": 1}, {"sku": MEDIUM}, {"sku": SMALL, "quantity": 1}],
        "country_code": "de",
        "customer_email": "anna@example.org",
        "recipient_first_name": "Anna",
    }

    response = await post(sandbox, seller, body)

    assert response.status_code == 201, response.text
    order = response.json()
    assert order == await listed_order(sandbox, seller, order["order_number"])
    assert [(item["sku"], item["status"]) for item in order["order_items"]] == [
        (SMALL, "open"),
        (SMALL, "open"),
        (MEDIUM, "open"),
    ]
    assert (order["shop"], order["cost_with_tax"], order["customer_email"]) == (
        "DE",
        3 * DE_GROSS,
        "anna@example.org",
    )
    assert order["shipping_recipient_first_name"] == order["billing_recipient_first_name"]
    assert order["shipping_recipient_first_name"] == "Anna"
    assert order["shipping_recipient_last_name"]
    assert await quantity(sandbox, seller, SMALL) == (3, None)


async def test_a_refused_order_is_400_naming_the_reasons_and_changes_nothing(
    sandbox: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    body = {"items": [{"sku": SMALL, "quantity": 9}, {"sku": "NOPE"}], "country_code": "AT"}

    response = await post(sandbox, seller, body)

    assert (response.status_code, response.json()) == (
        400,
        {
            "message": "Order refused: Product JKT-1-S is out of stock: 9 ordered, 5 available; "
            "Product not found: NOPE"
        },
    )
    assert await stored_statuses(runtime) == ([], [])
    assert await quantity(sandbox, seller, SMALL) == (5, None)


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"sku": SMALL, "quantity": 0}]},
        {"items": [{"sku": SMALL, "quantity": 101}]},
        {"items": [{"sku": SMALL}], "country_code": "DEU"},
        {"items": [{"sku": SMALL}], "fulfillment_type": "by_pigeon"},
        {"items": [{"sku": "JKT\u0000"}]},
        {"items": [{"sku": SMALL}], "recipient_last_name": ""},
    ],
)
async def test_a_body_outside_the_schema_is_422(
    sandbox: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    jackets: None,
    body: dict[str, Any],
) -> None:
    response = await post(sandbox, seller, body)

    assert response.status_code == 422, response.text
    assert response.json()["message"]
    assert await stored_statuses(runtime) == ([], [])


async def test_without_a_key_it_is_401_and_orders_nothing(
    sandbox: httpx.AsyncClient, runtime: Runtime, jackets: None
) -> None:
    response = await sandbox.post(SANDBOX_ORDERS, json={"items": [{"sku": SMALL}]})

    assert response.status_code == 401
    assert await stored_statuses(runtime) == ([], [])


async def test_outside_sandbox_mode_the_path_is_404_and_undocumented(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(client, runtime, seller)

    response = await post(client, seller, {"items": [{"sku": SMALL}]})
    document = (await client.get("/openapi.json")).json()

    assert (response.status_code, response.json()) == (
        404,
        {"message": "Not found: POST /api/v1/sandbox/orders"},
    )
    assert not [path for path in document["paths"] if "sandbox" in path]
    assert await stored_statuses(runtime) == ([], [])
