"""Both clients' ``orders`` against the service's app in-process: listing and iterating by
cursor, ship, cancel and return batches with typed results, and the two PDF documents."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI

from sellers_center.runtime import Runtime
from sellers_center_client import (
    AsyncClient,
    BatchStatus,
    CancelItem,
    Client,
    NotFound,
    OrderItemStatus,
    OrderStatus,
    ReturnItem,
    ShipItem,
)
from tests.client.support import LoopBridge
from tests.orders.helpers import MEDIUM, SMALL, active_jackets, place
from tests.support import SellerKey

BASE_URL = "http://testserver"


@pytest.fixture
async def orders(app: FastAPI, runtime: Runtime, seller: SellerKey) -> tuple[str, str]:
    """Two orders of the seller: items 1 and 2 (JKT-1-S), item 3 (JKT-1-M)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await active_jackets(client, runtime, seller)
    first = await place(runtime, seller, {SMALL: 2})
    second = await place(runtime, seller, {MEDIUM: 1})
    return first.order_number, second.order_number


async def test_orders_are_listed_and_iterated_by_cursor(
    sdk: AsyncClient, orders: tuple[str, str]
) -> None:
    page = await sdk.orders.list(per_page=1, orders_from=datetime(2026, 1, 1, tzinfo=UTC))

    (first,) = page.items
    assert (first.order_number, first.status, first.currency) == (
        orders[0],
        OrderStatus.OPEN,
        "EUR",
    )
    assert [(item.id, item.sku, item.status, item.vat) for item in first.order_items] == [
        (1, SMALL, OrderItemStatus.OPEN, Decimal(19)),
        (2, SMALL, OrderItemStatus.OPEN, Decimal(19)),
    ]
    assert page.next_cursor is not None
    following = await sdk.orders.list(per_page=1, cursor=page.next_cursor)
    assert [order.order_number for order in following.items] == [orders[1]]
    assert following.next_cursor is None
    assert [order.order_number async for order in sdk.orders.iter_all(per_page=1)] == list(orders)
    open_orders = await sdk.orders.list(order_status="open", order_number=orders[1])
    assert [order.order_number for order in open_orders.items] == [orders[1]]


async def test_ship_cancel_and_return_give_typed_results(
    sdk: AsyncClient, orders: tuple[str, str]
) -> None:
    shipped = await sdk.batches.wait(
        await sdk.orders.ship(
            [ShipItem(order_items=[1], carrier_key="DHL_STD_NATIONAL", shipment_tracking_key="T1")]
        ),
        poll_interval=0.01,
    )
    cancelled = await sdk.batches.wait(
        await sdk.orders.cancel([CancelItem(id=2), {"id": 1}]), poll_interval=0.01
    )
    returned = await sdk.batches.wait(
        await sdk.orders.return_items([ReturnItem(order_items=[1], return_tracking_key="R1")]),
        poll_interval=0.01,
    )

    assert shipped.status is BatchStatus.COMPLETED
    assert [item.request_item.order_items for item in shipped.items] == [[1]]
    assert [(item.request_item.id, item.errors) for item in cancelled.items] == [
        (2, []),
        (1, ["Order item 1 is shipped; only open items can be cancelled"]),
    ]
    assert returned.succeeded[0].request_item.return_tracking_key == "R1"
    again = await sdk.results.get("return-orders", returned.batch_id)
    assert again.items == returned.items
    (order,) = (await sdk.orders.list(order_number=orders[0])).items
    assert (order.status, [item.status for item in order.order_items]) == (
        OrderStatus.MIXED,
        [OrderItemStatus.RETURNED, OrderItemStatus.CANCELLED],
    )


async def test_documents_are_pdf_bytes_and_another_seller_s_are_not_found(
    sdk: AsyncClient, orders: tuple[str, str], app: FastAPI, other_seller: SellerKey
) -> None:
    invoice = await sdk.orders.invoice(orders[0])
    note = await sdk.orders.delivery_document(orders[0])

    assert invoice.startswith(b"%PDF-")
    assert note.startswith(b"%PDF-")
    transport = httpx2.ASGITransport(app=app)
    async with AsyncClient(BASE_URL, other_seller.key, transport=transport) as stranger:
        with pytest.raises(NotFound, match=f"Order {orders[0]} not found"):
            await stranger.orders.invoice(orders[0])


def blocking_cycle(client: Client, number: str) -> dict[str, Any]:
    ref = client.orders.ship(
        [{"order_items": [3], "carrier_key": "DPD", "shipment_tracking_key": "T3"}]
    )
    result = client.batches.wait(ref, poll_interval=0.01)
    return {
        "result": result,
        "listed": [order.order_number for order in client.orders.iter_all()],
        "note": client.orders.delivery_document(number),
    }


async def test_the_blocking_client_mirrors_the_async_one(
    app: FastAPI, runtime: Runtime, seller: SellerKey, orders: tuple[str, str]
) -> None:
    loop = asyncio.get_running_loop()

    def sleep(_: float) -> None:
        asyncio.run_coroutine_threadsafe(runtime.worker().run_once(), loop).result()

    client = Client(BASE_URL, seller.key, transport=LoopBridge(app, loop), sleep=sleep)
    with client:
        outcome = await asyncio.to_thread(blocking_cycle, client, orders[1])

    assert [(item.success, item.errors) for item in outcome["result"].items] == [(True, [])]
    assert outcome["listed"] == list(orders)
    assert outcome["note"].startswith(b"%PDF-")
