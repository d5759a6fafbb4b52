"""What sellers and the operator read of orders: the seller's listing (by page or by keyset
cursor), one order by its number, and the data of its two documents."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError
from sellers_center.orders import repository, rules
from sellers_center.orders.documents import DocumentLine, OrderDocument, PostalAddress
from sellers_center.orders.order import MAX_ID, Address, Order, OrderLine
from sellers_center.orders.repository import OrderFilter
from sellers_center.pagination import MAX_PAGE, offset
from sellers_center.products.rules.currency import minor_unit


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    total: int
    """Orders matching the filters, on every page."""
    page: int
    next_cursor: str | None
    """The cursor of the following page; None on the last."""


async def list_orders(
    session: AsyncSession,
    seller_id: int,
    condition: OrderFilter,
    *,
    page: int | None,
    per_page: int,
    cursor: str | None,
) -> OrderPage:
    """A page of the seller's orders, oldest first. With ``cursor`` (from the previous page)
    the page starts right after the last order that page showed, however many orders were
    placed meanwhile, at the cost of one index range; ``page`` alone counts from the start."""
    if cursor is not None and page is not None:
        raise InvalidInputError(rules.page_and_cursor())
    after = None
    if cursor is not None:
        created_at, order_id, page = decode_cursor(cursor)
        after = (created_at, order_id)
    page = page or 1
    start = 0 if after is not None else offset(page, per_page)
    found = await repository.order_page(
        session, seller_id, condition, after=after, offset=start, limit=per_page + 1
    )
    orders = found[:per_page]
    total = await repository.count_orders(session, seller_id, condition)
    has_more = len(found) > per_page
    last = orders[-1] if orders else None
    next_cursor = None
    if has_more and last is not None:
        next_cursor = encode_cursor(last.created_at, last.id, page + 1)
    return OrderPage(orders, total, page, next_cursor)


def encode_cursor(created_at: datetime, order_id: int, page: int) -> str:
    """Opaque to clients: the page after the order created at ``created_at`` with ``order_id``,
    and that page's number."""
    text = json.dumps([created_at.isoformat(), order_id, page], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, order_id, page = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        moment = datetime.fromisoformat(created)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidInputError(rules.invalid_cursor()) from None
    ids_fit = type(order_id) is int and 1 <= order_id <= MAX_ID
    if moment.tzinfo is None or not ids_fit or type(page) is not int or not 1 <= page <= MAX_PAGE:
        raise InvalidInputError(rules.invalid_cursor())
    return moment, order_id, page


async def find_order(session: AsyncSession, order_number: str, seller_id: int | None) -> Order:
    """The order with this number, of this seller unless ``seller_id`` is None (the operator);
    another seller's is not found."""
    order = await repository.order_by_number(session, order_number, seller_id)
    if order is None:
        raise NotFoundError(rules.order_not_found(order_number))
    return order


async def invoice_document(
    session: AsyncSession, seller_id: int, order_number: str
) -> OrderDocument:
    """The invoice of an order: its items but the cancelled ones (the customer pays for none of
    those; a returned item stays, refunded apart). Numbered and dated by the order, so every
    download gives the same document."""
    order = await find_order(session, order_number, seller_id)
    billed = [line for line in order.items if line.is_billed]
    if not billed:
        raise ConflictError(rules.nothing_to_invoice(order_number))
    return await _document(session, order, billed, order.created_at)


async def delivery_note_document(
    session: AsyncSession, seller_id: int, order_number: str
) -> OrderDocument:
    """The delivery note: every item with its status, carrier and tracking keys, dated by the
    latest shipment (the order's date before one)."""
    order = await find_order(session, order_number, seller_id)
    shipped = [line.shipped_at for line in order.items if line.shipped_at is not None]
    return await _document(session, order, order.items, max(shipped, default=order.created_at))


async def _document(
    session: AsyncSession,
    order: Order,
    lines: Sequence[OrderLine],
    on: datetime,
) -> OrderDocument:
    names = await accounts.seller_names(session, [order.seller_id])
    return OrderDocument(
        order_number=order.order_number,
        ordered_at=order.created_at,
        issued_at=on,
        seller_name=names.get(order.seller_id, ""),
        shop_country=order.shop_country,
        currency=order.currency,
        minor_unit=minor_unit(order.currency),
        billing_address=_postal(order.customer.billing),
        shipping_address=_postal(order.customer.shipping),
        lines=tuple(_document_line(line) for line in lines),
    )


def _postal(address: Address) -> PostalAddress:
    return PostalAddress(
        first_name=address.first_name,
        last_name=address.last_name,
        street=address.street,
        additional=address.additional,
        zip_code=address.zip_code,
        city=address.city,
        country_code=address.country_code,
    )


def _document_line(line: OrderLine) -> DocumentLine:
    return DocumentLine(
        order_item_id=line.id,
        sku=line.sku,
        product_name=line.product_name,
        size_label=line.size_label,
        status=line.status.value,
        price_with_tax=line.price_with_tax,
        price_without_tax=line.price_without_tax,
        vat_rate=line.vat,
        carrier_key=line.carrier_key,
        shipment_tracking_key=line.shipment_tracking_key,
        return_tracking_key=line.return_tracking_key,
    )
