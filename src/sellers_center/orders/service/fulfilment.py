"""Ship, cancel and return batches: each item checked against the seller's order items as the
items before it left them, the changes written once per batch, each touched order's status
derived again (docs/api.md#ship-batches, #cancel-batches, #return-batches).

The orders a batch names are locked first, in id order, and all their items read: a concurrent
batch on the same orders waits, so a status is never derived from items another transaction is
changing. A retried batch runs from the start on what was committed, so it ends the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.catalog.snapshot import Catalog
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.orders import repository, rules
from sellers_center.orders.order import OrderItemStatus, order_status
from sellers_center.orders.repository import ItemState, LockedOrder
from sellers_center.orders.schemas import (
    CancelOrderItemSchema,
    ReturnOrderItemSchema,
    ShipOrderItemSchema,
)
from sellers_center.orders.service import events
from sellers_center.orders.service.placement import warehouse_of
from sellers_center.products import service as products
from sellers_center.products.service import Warehouse


@dataclass
class _Book:
    """The seller's items of the orders a batch names, locked, as the batch changes them."""

    orders: dict[int, LockedOrder]
    items: dict[int, ItemState]
    changed: dict[int, ItemState] = field(default_factory=dict)

    def order_of(self, item_id: int) -> LockedOrder:
        return self.orders[self.items[item_id].order_id]

    def change(self, item: ItemState) -> None:
        self.changed[item.id] = item

    def changed_by_order(self) -> dict[int, set[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        for item in self.changed.values():
            found[item.order_id].add(item.id)
        return found


async def _open_book(session: AsyncSession, seller_id: int, item_ids: Iterable[int]) -> _Book:
    owners = await repository.orders_of_items(session, seller_id, item_ids)
    orders = await repository.lock_orders(session, set(owners.values()))
    states = await repository.item_states(session, orders)
    return _Book(orders, {state.id: state for state in states})


async def _close_book(
    session: AsyncSession, book: _Book, context: BatchContext, status: OrderItemStatus
) -> None:
    """Write the changed items (all moved to ``status``) and the derived status of their
    orders, and emit the events of the change."""
    await _write_book(session, book, context.now)
    changed = book.changed_by_order()
    await events.items_changed(session, context.seller_id, status, changed, context.now)


async def _write_book(session: AsyncSession, book: _Book, now: datetime) -> None:
    await repository.save_items(session, list(book.changed.values()))
    touched = {item.order_id for item in book.changed.values()}
    statuses = defaultdict(list)
    for item in book.items.values():
        if item.order_id in touched:
            statuses[item.order_id].append(item.status)
    derived = {order_id: order_status(found) for order_id, found in statuses.items()}
    await repository.save_statuses(session, derived, now)


Refusal = Callable[[int, str], str]
"""The error for an order item (by id) whose status (given) does not allow the action."""


def _item_errors(
    book: _Book, item_ids: Sequence[int], allowed: OrderItemStatus, refusal: Refusal
) -> list[str]:
    """An error per id listed twice, unknown (or another seller's), or not ``allowed``."""
    errors = [rules.order_item_repeated(i) for i, n in Counter(item_ids).items() if n > 1]
    for item_id in dict.fromkeys(item_ids):
        item = book.items.get(item_id)
        if item is None:
            errors.append(rules.order_item_not_found(item_id))
        elif item.status is not allowed:
            errors.append(refusal(item_id, item.status))
    return errors


def _not_open(action: str) -> Refusal:
    return lambda item_id, status: rules.not_open(item_id, status, action)


async def ship(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[ShipOrderItemSchema],
    *,
    catalog_cache: CatalogCache,
) -> list[ItemOutcome]:
    catalog = await catalog_cache.get(session)
    book = await _open_book(session, context.seller_id, (i for it in items for i in it.order_items))
    outcomes = []
    for item in items:
        errors = _item_errors(book, item.order_items, OrderItemStatus.OPEN, _not_open("shipped"))
        if not errors:
            errors = _carrier_errors(book, catalog, item)
        errors += _key_errors(item.shipment_tracking_key, item.return_tracking_key)
        if not errors:
            for item_id in item.order_items:
                state = book.items[item_id]
                state.status, state.shipped_at = OrderItemStatus.SHIPPED, context.now
                state.carrier_key = item.carrier_key
                state.shipment_tracking_key = item.shipment_tracking_key
                if item.return_tracking_key is not None:
                    state.return_tracking_key = item.return_tracking_key
                book.change(state)
        outcomes.append(ItemOutcome(tuple(errors)))
    await _close_book(session, book, context, OrderItemStatus.SHIPPED)
    return outcomes


def _carrier_errors(book: _Book, catalog: Catalog, item: ShipOrderItemSchema) -> list[str]:
    carrier = catalog.carrier(item.carrier_key)
    if carrier is None:
        return [rules.carrier_not_found(item.carrier_key)]
    orders = {book.order_of(item_id).id: book.order_of(item_id) for item_id in item.order_items}
    return [
        rules.carrier_elsewhere(
            carrier.key, carrier.country_code, order.order_number, order.shipping_country_code
        )
        for order in orders.values()
        if order.shipping_country_code != carrier.country_code
    ]


def _key_errors(shipment_key: str | None, return_key: str | None) -> list[str]:
    errors = []
    if shipment_key is not None and not shipment_key.strip():
        errors.append(rules.blank_key("shipment_tracking_key"))
    if return_key is not None and not return_key.strip():
        errors.append(rules.blank_key("return_tracking_key"))
    return errors


async def cancel(
    session: AsyncSession, context: BatchContext, items: Sequence[CancelOrderItemSchema]
) -> list[ItemOutcome]:
    """Cancelled units go back to the stock they were taken from (the seller's, or the
    marketplace's warehouse); a variant whose stock is no longer counted takes nothing back."""
    book = await _open_book(session, context.seller_id, (item.id for item in items))
    released: dict[Warehouse, Counter[str]] = defaultdict(Counter)
    outcomes = []
    for item in items:
        errors = _item_errors(book, [item.id], OrderItemStatus.OPEN, _not_open("cancelled"))
        if not errors:
            state = book.items[item.id]
            state.status, state.cancelled_at = OrderItemStatus.CANCELLED, context.now
            book.change(state)
            released[warehouse_of(book.order_of(item.id).fulfillment_type)][state.sku] += 1
        outcomes.append(ItemOutcome(tuple(errors)))
    for warehouse, units in released.items():
        await products.release_stock(session, context.seller_id, units, context.now, warehouse)
    await _close_book(session, book, context, OrderItemStatus.CANCELLED)
    return outcomes


async def return_items(
    session: AsyncSession, context: BatchContext, items: Sequence[ReturnOrderItemSchema]
) -> list[ItemOutcome]:
    """Returned units do not go back to stock: the goods are inspected first, and the seller
    restocks what can be sold again with a stock batch."""
    book = await _open_book(session, context.seller_id, (i for it in items for i in it.order_items))
    outcomes = []
    for item in items:
        errors = _item_errors(book, item.order_items, OrderItemStatus.SHIPPED, rules.not_shipped)
        errors += _key_errors(None, item.return_tracking_key)
        if not errors:
            for item_id in item.order_items:
                state = book.items[item_id]
                state.status, state.returned_at = OrderItemStatus.RETURNED, context.now
                state.return_tracking_key = item.return_tracking_key
                book.change(state)
        outcomes.append(ItemOutcome(tuple(errors)))
    await _close_book(session, book, context, OrderItemStatus.RETURNED)
    return outcomes
