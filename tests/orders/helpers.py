"""Orders in tests: active variants to order, placing through the service, ship, cancel and
return batches through the API, and the listing."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
from sqlalchemy import select, update

from sellers_center.db.tables import Order as OrderRow
from sellers_center.db.tables import OrderItem as OrderItemRow
from sellers_center.db.tables import ProductStyle
from sellers_center.orders import service as orders
from sellers_center.orders.customer import plausible_customer
from sellers_center.orders.order import FulfillmentType, Order
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of, product
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import SellerKey

STYLE = "JKT-1"
SMALL, MEDIUM = "JKT-1-S", "JKT-1-M"
# jacket(): DE 129.95 (VAT 19 %), AT 134.95 on sale at 99.95 (VAT 20 %).
DE_GROSS, DE_NET = 12995, 10920
AT_GROSS, AT_NET = 9995, 8329
BATCH_PATHS = {"ship-orders": "ship", "cancel-orders": "cancel", "return-orders": "return"}


async def active_jackets(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, **changes: Any
) -> None:
    """The seller's active style JKT-1: JKT-1-S with 5 units, JKT-1-M with 2, each sold in DE
    and AT."""
    items = [jacket(SMALL, **changes), jacket(MEDIUM, **{"size": SIZE_M, "quantity": 2, **changes})]
    assert errors_of(await upsert(client, runtime, seller, items)) == [[], []]
    await set_style_status(runtime, seller, STYLE, "active")


async def set_style_status(
    runtime: Runtime, seller: SellerKey, style_key: str, status: str
) -> None:
    """Put the seller's style straight into ``status``, as approval and activation would."""
    async with runtime.unit.write() as session:
        await session.execute(
            update(ProductStyle)
            .where(ProductStyle.seller_id == seller.seller_id, ProductStyle.style_key == style_key)
            .values(status=status)
        )


def sequential_numbers(start: int = 100_000_000_001) -> Iterator[str]:
    return (str(number) for number in itertools.count(start))


async def place(
    runtime: Runtime,
    seller: SellerKey,
    units: Mapping[str, int],
    *,
    country: str = "DE",
    fulfillment: FulfillmentType = FulfillmentType.DROPSHIPPING,
    numbers: Iterator[str] | None = None,
) -> Order:
    """Place an order through the service, with a repeatable customer of ``country``."""
    customer = plausible_customer(country, random.Random(7))
    request = orders.OrderRequest(seller.seller_id, units, country, fulfillment, customer)
    async with runtime.unit.write() as session:
        catalog = await runtime.catalog.get(session)
        if numbers is None:
            return await orders.place_order(session, catalog, request, runtime.clock.now())
        draw = numbers
        return await orders.place_order(
            session, catalog, request, runtime.clock.now(), lambda: next(draw)
        )


async def batch(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    kind: str,
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    """Submit one ship, cancel or return batch, let a worker process it, return its results."""
    submitted = await client.post(
        f"/api/v1/orders/{BATCH_PATHS[kind]}", json={"items": items}, headers=seller.headers
    )
    assert submitted.status_code == 200, submitted.text
    batch_id = submitted.json()["batchRequestId"]
    assert await runtime.worker().run_once() is True
    response = await client.get(
        f"/api/v1/results/{kind}", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    results: dict[str, Any] = response.json()
    assert results["status"] == "completed", results
    return results


def ship_item(
    ids: list[int], carrier: str = "DHL_STD_NATIONAL", tracking: str = "TRACK-1", **more: Any
) -> dict[str, Any]:
    return {"order_items": ids, "carrier_key": carrier, "shipment_tracking_key": tracking, **more}


async def listed(client: httpx.AsyncClient, seller: SellerKey, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/orders/", params=params, headers=seller.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listed_order(
    client: httpx.AsyncClient, seller: SellerKey, order_number: str
) -> dict[str, Any]:
    body = await listed(client, seller, order_number=order_number)
    assert len(body["items"]) == 1, body
    order: dict[str, Any] = body["items"][0]
    return order


async def quantity(client: httpx.AsyncClient, seller: SellerKey, sku: str) -> tuple[Any, Any]:
    """(quantity, quantity_fbm) as the products listing shows them."""
    found = await product(client, seller, sku)
    return found["quantity"], found["quantity_fbm"]


async def stored_statuses(runtime: Runtime) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """Every order's (number, status) and every item's (id, status), as stored."""
    async with runtime.unit.read() as session:
        stored_orders = await session.execute(
            select(OrderRow.order_number, OrderRow.status).order_by(OrderRow.id)
        )
        items = await session.execute(
            select(OrderItemRow.id, OrderItemRow.status).order_by(OrderItemRow.id)
        )
        return [tuple(row) for row in stored_orders], [tuple(row) for row in items]  # type: ignore[misc]
