"""The orders' webhook events, emitted in the transaction of the change (docs/api.md#webhooks):
``order.created`` at placement; for a ship, cancel or return batch, per order it touched, the
items it changed (``order_items.shipped`` / ``cancelled`` / ``returned``) and the order as it
now is (``order.updated``). Messages are built only when a subscription wants them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.orders import repository
from sellers_center.orders.order import Order, OrderItemStatus
from sellers_center.orders.schemas import order_schema
from sellers_center.webhooks import service as webhooks

ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ITEM_EVENTS = {
    OrderItemStatus.SHIPPED: "order_items.shipped",
    OrderItemStatus.CANCELLED: "order_items.cancelled",
    OrderItemStatus.RETURNED: "order_items.returned",
}


def order_message(order: Order) -> dict[str, Any]:
    """The order as ``GET /api/v1/orders/`` shows it."""
    return order_schema(order).model_dump(mode="json")


async def order_created(session: AsyncSession, order: Order, now: datetime) -> None:
    if await webhooks.wanted(session, order.seller_id, {ORDER_CREATED}):
        await webhooks.emit(session, order.seller_id, ORDER_CREATED, order_message(order), now)


async def items_changed(
    session: AsyncSession,
    seller_id: int,
    status: OrderItemStatus,
    changed: Mapping[int, Collection[int]],
    now: datetime,
) -> None:
    """``changed``: the ids of the items a batch moved to ``status``, by order id."""
    event = ITEM_EVENTS[status]
    wanted = await webhooks.wanted(session, seller_id, {event, ORDER_UPDATED})
    if not wanted or not changed:
        return
    for order in await repository.orders_by_ids(session, changed):
        shown = order_message(order)
        if event in wanted:
            ids = changed[order.id]
            items = [item for item in shown["order_items"] if item["id"] in ids]
            message = {"order_number": order.order_number, "order_items": items}
            await webhooks.emit(session, seller_id, event, message, now)
        if ORDER_UPDATED in wanted:
            await webhooks.emit(session, seller_id, ORDER_UPDATED, shown, now)
