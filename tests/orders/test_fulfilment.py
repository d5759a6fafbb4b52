"""Ship, cancel and return batches (docs/api.md#ship-batches, #cancel-batches, #return-batches):
each rule's item error, each state change with the order's derived status, the stock a cancel
gives back, and another seller's order items, which are not found."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sellers_center.orders.order import FulfillmentType
from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.orders.helpers import (
    MEDIUM,
    SMALL,
    active_jackets,
    batch,
    listed_order,
    place,
    quantity,
    ship_item,
    stored_statuses,
)
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.fixture
async def two_orders(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> tuple[str, str]:
    """Order A: items 1 and 2 (JKT-1-S); order B: item 3 (JKT-1-M); both to DE."""
    await active_jackets(client, runtime, seller)
    first = await place(runtime, seller, {SMALL: 2})
    second = await place(runtime, seller, {MEDIUM: 1})
    assert [line.id for line in (*first.items, *second.items)] == [1, 2, 3]
    return first.order_number, second.order_number


def errors_of(results: dict[str, Any]) -> list[list[str]]:
    return [entry["errors"] for entry in results["items"]]


async def item_fields(
    client: httpx.AsyncClient, seller: SellerKey, number: str, *names: str
) -> list[tuple[Any, ...]]:
    order = await listed_order(client, seller, number)
    return [tuple(item[name] for name in names) for item in order["order_items"]]


async def test_shipping_one_item_makes_the_order_mixed_and_records_carrier_and_keys(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_orders: tuple[str, str]
) -> None:
    first, _ = two_orders
    item = ship_item([1], tracking="00340434161094042557", return_tracking_key="RET-1")

    results = await batch(client, runtime, seller, "ship-orders", [item])

    assert results["items"] == [{"requestItem": item, "success": True, "errors": []}]
    order = await listed_order(client, seller, first)
    now = runtime.clock.now().isoformat().replace("+00:00", "Z")
    assert (order["status"], order["carrier_key"], order["updated_at"]) == (
        "mixed",
        "DHL_STD_NATIONAL",
        now,
    )
    fields = ("status", "carrier_key", "shipment_tracking_key", "return_tracking_key", "shipped_at")
    assert await item_fields(client, seller, first, *fields) == [
        ("shipped", "DHL_STD_NATIONAL", "00340434161094042557", "RET-1", now),
        ("open", None, None, None, None),
    ]
    assert await stored_statuses(runtime) == (
        [(first, "mixed"), (two_orders[1], "open")],
        [(1, "shipped"), (2, "open"), (3, "open")],
    )


async def test_shipping_every_item_makes_the_order_shipped(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_orders: tuple[str, str]
) -> None:
    results = await batch(client, runtime, seller, "ship-orders", [ship_item([1, 2])])

    assert errors_of(results) == [[]]
    assert (await listed_order(client, seller, two_orders[0]))["status"] == "shipped"


async def test_each_refused_ship_item_names_its_reasons_and_ships_none_of_its_order_items(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_orders: tuple[str, str]
) -> None:
    first, _ = two_orders
    items = [
        ship_item([3]),
        ship_item([1, 99]),
        ship_item([1, 1]),
        ship_item([1], carrier="NO_SUCH_CARRIER"),
        ship_item([1, 2], carrier="INPOST"),
        ship_item([2], tracking=" ", return_tracking_key=""),
        ship_item([3]),
    ]

    results = await batch(client, runtime, seller, "ship-orders", items)

    assert errors_of(results) == [
        [],
        ["Order item 99 not found"],
        ["Order item 1 is listed more than once in this item"],
        ["Carrier NO_SUCH_CARRIER not found: GET /api/v1/orders/carriers/ lists the carriers"],
        [f"Carrier INPOST delivers in PL, but order {first} ships to DE: use a carrier of DE"],
        [
            "shipment_tracking_key is empty: give the parcel's tracking key",
            "return_tracking_key is empty: give the parcel's tracking key",
        ],
        ["Order item 3 is shipped; only open items can be shipped"],
    ]
    assert [item["requestItem"] for item in results["items"]] == items
    assert (await stored_statuses(runtime))[1] == [(1, "open"), (2, "open"), (3, "shipped")]


async def test_another_seller_s_order_items_are_not_found_and_stay_as_they_were(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    two_orders: tuple[str, str],
) -> None:
    shipped = await batch(client, runtime, other_seller, "ship-orders", [ship_item([1])])
    cancelled = await batch(client, runtime, other_seller, "cancel-orders", [{"id": 2}])
    returned = await batch(
        client,
        runtime,
        other_seller,
        "return-orders",
        [{"order_items": [3], "return_tracking_key": "R"}],
    )

    assert errors_of(shipped) == [["Order item 1 not found"]]
    assert errors_of(cancelled) == [["Order item 2 not found"]]
    assert errors_of(returned) == [["Order item 3 not found"]]
    assert await stored_statuses(runtime) == (
        [(two_orders[0], "open"), (two_orders[1], "open")],
        [(1, "open"), (2, "open"), (3, "open")],
    )
    assert await quantity(client, seller, SMALL) == (3, None)


async def test_cancelling_gives_the_unit_back_and_only_open_items_can_be_cancelled(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_orders: tuple[str, str]
) -> None:
    first, second = two_orders
    await batch(client, runtime, seller, "ship-orders", [ship_item([1])])
    assert await quantity(client, seller, MEDIUM) == (1, None)

    items = [{"id": 3}, {"id": 1}, {"id": 3}, {"id": 2147483647}]
    results = await batch(client, runtime, seller, "cancel-orders", items)

    assert errors_of(results) == [
        [],
        ["Order item 1 is shipped; only open items can be cancelled"],
        ["Order item 3 is cancelled; only open items can be cancelled"],
        ["Order item 2147483647 not found"],
    ]
    assert await quantity(client, seller, MEDIUM) == (2, None)
    assert await quantity(client, seller, SMALL) == (3, None)
    order = await listed_order(client, seller, second)
    assert (order["status"], order["cost_with_tax"], order["cost_without_tax"]) == (
        "cancelled",
        0,
        0,
    )
    assert order["order_items"][0]["cancelled_at"] is not None
    assert (await listed_order(client, seller, first))["status"] == "mixed"


async def test_a_cancelled_unit_goes_back_to_the_marketplace_s_warehouse_it_came_from(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(client, runtime, seller)
    async with runtime.unit.write() as session:
        await products.set_fbm_stock(session, seller.seller_id, SMALL, 1, runtime.clock.now())
    order = await place(
        runtime, seller, {SMALL: 1}, fulfillment=FulfillmentType.FULFILLMENT_BY_MARKETPLACE
    )
    assert await quantity(client, seller, SMALL) == (5, 0)

    results = await batch(client, runtime, seller, "cancel-orders", [{"id": order.items[0].id}])

    assert errors_of(results) == [[]]
    assert await quantity(client, seller, SMALL) == (5, 1)


async def test_returning_shipped_items_leaves_stock_alone(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_orders: tuple[str, str]
) -> None:
    first, _ = two_orders
    await batch(
        client,
        runtime,
        seller,
        "ship-orders",
        [ship_item([1, 2], return_tracking_key="RET-SHIPPED")],
    )
    items: list[dict[str, Any]] = [
        {"order_items": [1], "return_tracking_key": "RET-CUSTOMER"},
        {"order_items": [3, 1], "return_tracking_key": "RET-2"},
        {"order_items": [2], "return_tracking_key": "   "},
        {"order_items": [4], "return_tracking_key": "RET-4"},
    ]

    results = await batch(client, runtime, seller, "return-orders", items)

    assert errors_of(results) == [
        [],
        [
            "Order item 3 is open; only shipped items can be returned",
            "Order item 1 is returned; only shipped items can be returned",
        ],
        ["return_tracking_key is empty: give the parcel's tracking key"],
        ["Order item 4 not found"],
    ]
    fields = ("status", "return_tracking_key")
    assert await item_fields(client, seller, first, *fields) == [
        ("returned", "RET-CUSTOMER"),
        ("shipped", "RET-SHIPPED"),
    ]
    order = await listed_order(client, seller, first)
    assert (order["status"], order["cost_with_tax"]) == ("mixed", 2 * 12995)
    assert await quantity(client, seller, SMALL) == (3, None)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("ship", {"items": []}),
        ("ship", {"items": [ship_item([])]}),
        ("ship", {"items": [ship_item([0])]}),
        ("ship", {"items": [ship_item([2147483648])]}),
        ("ship", {"items": [{"order_items": [1], "carrier_key": "DPD"}]}),
        ("ship", {"items": [ship_item([1], tracking="x" * 101)]}),
        ("cancel", {"items": [{"id": "one"}]}),
        ("cancel", {"items": [{"id": 1}] * 101}),
        ("return", {"items": [{"order_items": [1]}]}),
    ],
)
async def test_a_body_outside_the_schema_is_422_and_stores_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    two_orders: tuple[str, str],
    path: str,
    body: dict[str, Any],
) -> None:
    response = await client.post(f"/api/v1/orders/{path}", json=body, headers=seller.headers)

    assert response.status_code == 422, response.text
    assert response.json()["message"]
    assert await runtime.worker().run_once() is False
