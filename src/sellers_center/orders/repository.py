"""All SQL of the orders domain: placing an order, the seller's listing (keyset or page), one
order by its number, and the locked reads and bulk writes of ship, cancel and return batches.

Every change of an item's status locks its order first (orders in id order, so batches never
deadlock), then reads every item of those orders: an order's derived status is decided on
items no other transaction is changing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import statements
from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import Order as OrderRow
from sellers_center.db.tables import OrderItem as OrderItemRow
from sellers_center.orders.order import (
    Address,
    Customer,
    FulfillmentType,
    Order,
    OrderItemStatus,
    OrderLine,
    OrderStatus,
)

ORDERS: Table = OrderRow.__table__  # type: ignore[assignment]
ITEMS: Table = OrderItemRow.__table__  # type: ignore[assignment]
ADDRESS_FIELDS = ("first_name", "last_name", "street", "additional", "zip_code", "city")


@dataclass(frozen=True, slots=True)
class OrderFilter:
    order_number: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class LockedOrder:
    """What ship, cancel and return batches decide on about an order."""

    id: int
    order_number: str
    shipping_country_code: str
    fulfillment_type: FulfillmentType


@dataclass(slots=True)
class ItemState:
    """An order item as a batch finds it and changes it."""

    id: int
    order_id: int
    sku: str
    status: OrderItemStatus
    carrier_key: str | None
    shipment_tracking_key: str | None
    return_tracking_key: str | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None


def address_values(prefix: str, address: Address) -> dict[str, Any]:
    values = {f"{prefix}_{name}": getattr(address, name) for name in ADDRESS_FIELDS}
    values[f"{prefix}_country_code"] = address.country_code
    return values


async def insert_order(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new order's id; None when its number is taken already (nothing is written)."""
    statement = (
        statements.insert(ORDERS, dialect_name(session))
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=["order_number"])
        .returning(ORDERS.c.id)
    )
    found: int | None = (await session.execute(statement)).scalar_one_or_none()
    return found


async def insert_items(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await session.execute(ITEMS.insert(), [dict(row) for row in rows])


def _filtered(seller_id: int, condition: OrderFilter) -> Select[Any]:
    statement = select(ORDERS).where(ORDERS.c.seller_id == seller_id)
    if condition.order_number is not None:
        statement = statement.where(ORDERS.c.order_number == condition.order_number)
    if condition.status is not None:
        statement = statement.where(ORDERS.c.status == condition.status)
    if condition.created_from is not None:
        statement = statement.where(ORDERS.c.created_at >= condition.created_from)
    if condition.created_to is not None:
        statement = statement.where(ORDERS.c.created_at <= condition.created_to)
    return statement


async def count_orders(session: AsyncSession, seller_id: int, condition: OrderFilter) -> int:
    counted = _filtered(seller_id, condition).with_only_columns(func.count())
    return int((await session.execute(counted)).scalar_one())


async def order_page(
    session: AsyncSession,
    seller_id: int,
    condition: OrderFilter,
    *,
    after: tuple[datetime, int] | None,
    offset: int,
    limit: int,
) -> list[Order]:
    """Orders oldest first (creation time, then id): those after ``after`` when given (a
    keyset step, one index range), else from ``offset``."""
    statement = _filtered(seller_id, condition)
    if after is not None:
        statement = statement.where(tuple_(ORDERS.c.created_at, ORDERS.c.id) > tuple_(*after))
    statement = statement.order_by(ORDERS.c.created_at, ORDERS.c.id).limit(limit)
    if after is None and offset:
        statement = statement.offset(offset)
    rows = list(await session.execute(statement))
    return await _orders(session, rows)


async def order_by_number(
    session: AsyncSession, order_number: str, seller_id: int | None
) -> Order | None:
    """The order with this number; of this seller only, unless ``seller_id`` is None."""
    statement = select(ORDERS).where(ORDERS.c.order_number == order_number)
    if seller_id is not None:
        statement = statement.where(ORDERS.c.seller_id == seller_id)
    found = await _orders(session, list(await session.execute(statement)))
    return found[0] if found else None


async def orders_by_ids(session: AsyncSession, order_ids: Iterable[int]) -> list[Order]:
    """These orders with their items, in id order."""
    statement = select(ORDERS).where(ORDERS.c.id.in_(list(order_ids))).order_by(ORDERS.c.id)
    return await _orders(session, list(await session.execute(statement)))


async def _orders(session: AsyncSession, rows: Sequence[Any]) -> list[Order]:
    lines = await _lines_of(session, [row.id for row in rows])
    return [_order(row, lines.get(row.id, ())) for row in rows]


async def _lines_of(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, tuple[OrderLine, ...]]:
    if not order_ids:
        return {}
    statement = select(ITEMS).where(ITEMS.c.order_id.in_(order_ids)).order_by(ITEMS.c.id)
    found: dict[int, list[OrderLine]] = {}
    for row in await session.execute(statement):
        found.setdefault(row.order_id, []).append(_line(row))
    return {order_id: tuple(lines) for order_id, lines in found.items()}


def _line(row: Any) -> OrderLine:
    values = row._asdict()  # one conversion: a Row's attribute lookups cost 3x (profiled)
    return OrderLine(
        id=values["id"],
        sku=values["sku"],
        product_name=values["product_name"],
        size_label=values["size_label"],
        status=OrderItemStatus(values["status"]),
        price_with_tax=values["price_with_tax"],
        price_without_tax=values["price_without_tax"],
        vat=Decimal(values["vat"]),
        carrier_key=values["carrier_key"],
        shipment_tracking_key=values["shipment_tracking_key"],
        return_tracking_key=values["return_tracking_key"],
        created_at=values["created_at"],
        shipped_at=values["shipped_at"],
        cancelled_at=values["cancelled_at"],
        returned_at=values["returned_at"],
    )


def _address(values: Mapping[str, Any], prefix: str) -> Address:
    fields = {name: values[f"{prefix}_{name}"] for name in ADDRESS_FIELDS}
    return Address(**fields, country_code=values[f"{prefix}_country_code"])


def _order(row: Any, lines: tuple[OrderLine, ...]) -> Order:
    values = row._asdict()
    customer = Customer(
        key=values["customer_key"],
        email=values["customer_email"],
        phone=values["customer_phone"],
        shipping=_address(values, "shipping"),
        billing=_address(values, "billing"),
    )
    return Order(
        id=values["id"],
        seller_id=values["seller_id"],
        order_number=values["order_number"],
        status=OrderStatus(values["status"]),
        shop_country=values["shop_country"],
        currency=values["currency"],
        fulfillment_type=FulfillmentType(values["fulfillment_type"]),
        customer=customer,
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        items=lines,
    )


# --- ship, cancel and return --------------------------------------------------------------------


async def orders_of_items(
    session: AsyncSession, seller_id: int, item_ids: Iterable[int]
) -> dict[int, int]:
    """The order of each of the seller's items among ``item_ids`` (item id to order id); an
    item's order never changes, so this needs no lock."""
    statement = select(ITEMS.c.id, ITEMS.c.order_id).where(
        ITEMS.c.id.in_(set(item_ids)), ITEMS.c.seller_id == seller_id
    )
    return {row.id: row.order_id for row in await session.execute(statement)}


async def lock_orders(session: AsyncSession, order_ids: Iterable[int]) -> dict[int, LockedOrder]:
    statement = (
        select(
            ORDERS.c.id,
            ORDERS.c.order_number,
            ORDERS.c.shipping_country_code,
            ORDERS.c.fulfillment_type,
        )
        .where(ORDERS.c.id.in_(set(order_ids)))
        .order_by(ORDERS.c.id)
        .with_for_update()
    )
    return {
        row.id: LockedOrder(
            row.id,
            row.order_number,
            row.shipping_country_code,
            FulfillmentType(row.fulfillment_type),
        )
        for row in await session.execute(statement)
    }


async def item_states(session: AsyncSession, order_ids: Iterable[int]) -> list[ItemState]:
    """Every item of these (locked) orders."""
    statement = (
        select(
            ITEMS.c.id,
            ITEMS.c.order_id,
            ITEMS.c.sku,
            ITEMS.c.status,
            ITEMS.c.carrier_key,
            ITEMS.c.shipment_tracking_key,
            ITEMS.c.return_tracking_key,
            ITEMS.c.shipped_at,
            ITEMS.c.cancelled_at,
            ITEMS.c.returned_at,
        )
        .where(ITEMS.c.order_id.in_(set(order_ids)))
        .order_by(ITEMS.c.id)
    )
    return [
        ItemState(**{**row._mapping, "status": OrderItemStatus(row.status)})
        for row in await session.execute(statement)
    ]


async def save_items(session: AsyncSession, items: Sequence[ItemState]) -> None:
    """Each item's status, carrier, keys and times as they are now, as one executemany."""
    if not items:
        return
    statement = (
        update(ITEMS)
        .where(ITEMS.c.id == bindparam("item"))
        .values(
            status=bindparam("new_status"),
            carrier_key=bindparam("carrier"),
            shipment_tracking_key=bindparam("shipment_key"),
            return_tracking_key=bindparam("return_key"),
            shipped_at=bindparam("shipped", type_=ITEMS.c.shipped_at.type),
            cancelled_at=bindparam("cancelled", type_=ITEMS.c.cancelled_at.type),
            returned_at=bindparam("returned", type_=ITEMS.c.returned_at.type),
        )
    )
    values = [
        {
            "item": item.id,
            "new_status": item.status.value,
            "carrier": item.carrier_key,
            "shipment_key": item.shipment_tracking_key,
            "return_key": item.return_tracking_key,
            "shipped": item.shipped_at,
            "cancelled": item.cancelled_at,
            "returned": item.returned_at,
        }
        for item in items
    ]
    await session.execute(statement, values)


async def save_statuses(
    session: AsyncSession, statuses: Mapping[int, OrderStatus], now: datetime
) -> None:
    """Each order's (by id) derived status, as one executemany."""
    if not statuses:
        return
    statement = (
        update(ORDERS)
        .where(ORDERS.c.id == bindparam("order"))
        .values(status=bindparam("new_status"), updated_at=now)
    )
    values = [{"order": key, "new_status": status.value} for key, status in statuses.items()]
    await session.execute(statement, values)
