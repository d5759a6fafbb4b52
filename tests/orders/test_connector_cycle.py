"""A whole fulfilment cycle driven over HTTP the way a shop connector does it: orders come in
(the sandbox's placement), the connector lists the open ones, ships, cancels and returns items
in batches, reads every results endpoint and downloads both documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests import support
from tests.orders.helpers import MEDIUM, SMALL, active_jackets
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.fixture
async def connector(runtime: Runtime, seller: SellerKey) -> AsyncIterator[httpx.AsyncClient]:
    """The seller's connector, talking to a sandbox."""
    runtime.settings = runtime.settings.model_copy(update={"sandbox": True})
    transport = httpx.ASGITransport(app=support.app_of(runtime))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=seller.headers
    ) as client:
        yield client


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def submit(
    connector: httpx.AsyncClient, runtime: Runtime, action: str, items: list[dict[str, Any]]
) -> str:
    """A batch submitted and processed by a worker; its id."""
    accepted = await ok(await connector.post(f"/api/v1/orders/{action}", json={"items": items}))
    assert await runtime.worker().run_once() is True
    batch_id: str = accepted["batchRequestId"]
    return batch_id


async def stock(connector: httpx.AsyncClient, sku: str) -> int:
    listed = await ok(await connector.get("/api/v1/products/", params={"sku": sku}))
    quantity: int = listed["items"][0]["quantity"]
    return quantity


async def test_a_connector_fulfils_two_orders_end_to_end(
    connector: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(connector, runtime, seller)
    first = await ok(
        await connector.post(
            "/api/v1/sandbox/orders",
            json={"items": [{"sku": SMALL}, {"sku": MEDIUM}], "country_code": "DE"},
        ),
        201,
    )
    second = await ok(
        await connector.post(
            "/api/v1/sandbox/orders", json={"items": [{"sku": SMALL, "quantity": 2}]}
        ),
        201,
    )
    assert (await stock(connector, SMALL), await stock(connector, MEDIUM)) == (2, 1)

    # The connector's order sync: every open order, with its items.
    listed = await ok(await connector.get("/api/v1/orders/", params={"order_status": "open"}))
    assert [order["order_number"] for order in listed["items"]] == [
        first["order_number"],
        second["order_number"],
    ]
    small_item, medium_item = (item["id"] for item in listed["items"][0]["order_items"])
    second_items = [item["id"] for item in listed["items"][1]["order_items"]]

    shipped = await submit(
        connector,
        runtime,
        "ship",
        [
            {
                "order_items": [small_item],
                "carrier_key": "DHL_STD_NATIONAL",
                "shipment_tracking_key": "00340434161094042557",
                "return_tracking_key": "00340434161094042564",
            }
        ],
    )
    order = await ok(
        await connector.get("/api/v1/orders/", params={"order_number": first["order_number"]})
    )
    assert order["items"][0]["status"] == "mixed"

    cancelled = await submit(connector, runtime, "cancel", [{"id": medium_item}])
    assert await stock(connector, MEDIUM) == 2

    shipped_second = await submit(
        connector,
        runtime,
        "ship",
        [{"order_items": second_items, "carrier_key": "DPD", "shipment_tracking_key": "DPD-77"}],
    )
    returned = await submit(
        connector,
        runtime,
        "return",
        [{"order_items": second_items[:1], "return_tracking_key": "DPD-RET-77"}],
    )

    for kind, batch_id in (
        ("ship-orders", shipped),
        ("cancel-orders", cancelled),
        ("ship-orders", shipped_second),
        ("return-orders", returned),
    ):
        results = await ok(
            await connector.get(f"/api/v1/results/{kind}", params={"batch_request_id": batch_id})
        )
        assert results["status"] == "completed"
        assert [(item["success"], item["errors"]) for item in results["items"]] == [(True, [])]
    final = await ok(await connector.get("/api/v1/orders/"))
    assert [(o["status"], [i["status"] for i in o["order_items"]]) for o in final["items"]] == [
        ("mixed", ["shipped", "cancelled"]),
        ("mixed", ["returned", "shipped"]),
    ]
    assert (await stock(connector, SMALL), await stock(connector, MEDIUM)) == (2, 2)
    for number in (first["order_number"], second["order_number"]):
        for path in ("invoices", "delivery_document"):
            document = await connector.get(f"/api/v1/orders/{number}/{path}")
            assert document.status_code == 200
            assert document.content.startswith(b"%PDF-")
    assert final["items"][1]["delivery_document_url"] == (
        f"/api/v1/orders/{second['order_number']}/delivery_document"
    )
