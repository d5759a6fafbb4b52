"""The order as the orders domain knows it: its items, statuses, customer and money.

An order item is one unit of one SKU (ordering three of a SKU makes three items), so every item
has one status: ``open → shipped → returned`` or ``open → cancelled``. The order's status is
derived: every item in one state gives that state, else ``mixed`` (docs/api.md#orders).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sellers_center.products.rules.currency import minor_unit

# Orders and order items are numbered by 32-bit integers in storage; a larger id names none.
MAX_ID = 2**31 - 1


class OrderItemStatus(StrEnum):
    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class OrderStatus(StrEnum):
    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    MIXED = "mixed"


class FulfillmentType(StrEnum):
    DROPSHIPPING = "dropshipping"
    """The seller ships from its own stock (the variant's ``quantity``)."""
    FULFILLMENT_BY_MARKETPLACE = "fulfillment_by_marketplace"
    """The marketplace ships from its warehouse (the variant's ``quantity_fbm``)."""


def order_status(item_statuses: Iterable[str]) -> OrderStatus:
    """All items in one state: that state; items in several: ``mixed``."""
    found = set(item_statuses)
    if len(found) == 1:
        return OrderStatus(found.pop())
    return OrderStatus.MIXED


def in_minor_units(amount: Decimal, currency: str) -> int:
    """A price in the currency's smallest unit: ``129.95`` EUR is ``12995``. Prices are kept
    to the currency's decimals, so the rounding (half up) only guards a catalogue change."""
    scaled = amount.scaleb(minor_unit(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def without_tax(price_with_tax: int, vat_rate: Decimal) -> int:
    """The net price of a gross one: ``gross × 100 / (100 + rate)``, rounded half up to the
    smallest unit (docs/api.md#catalogue-lookups)."""
    net = Decimal(price_with_tax) * 100 / (100 + vat_rate)
    return int(net.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Address:
    first_name: str
    last_name: str
    street: str
    additional: str | None
    zip_code: str
    city: str
    country_code: str


@dataclass(frozen=True, slots=True)
class Customer:
    key: str
    email: str
    phone: str
    shipping: Address
    billing: Address


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A stored order item; money in the currency's smallest unit."""

    id: int
    sku: str
    product_name: str
    size_label: str | None
    status: OrderItemStatus
    price_with_tax: int
    price_without_tax: int
    vat: Decimal
    carrier_key: str | None
    shipment_tracking_key: str | None
    return_tracking_key: str | None
    created_at: datetime
    shipped_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None

    @property
    def is_billed(self) -> bool:
        """Whether the customer pays for it: every item but a cancelled one (a returned item
        is refunded separately, its sale stands)."""
        return self.status is not OrderItemStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    seller_id: int
    order_number: str
    status: OrderStatus
    shop_country: str
    currency: str
    fulfillment_type: FulfillmentType
    customer: Customer
    created_at: datetime
    updated_at: datetime
    items: tuple[OrderLine, ...]
    """In id order."""

    @property
    def cost_with_tax(self) -> int:
        """What the customer pays: the gross prices of the items not cancelled."""
        return sum(line.price_with_tax for line in self.items if line.is_billed)

    @property
    def cost_without_tax(self) -> int:
        return sum(line.price_without_tax for line in self.items if line.is_billed)

    @property
    def carrier_key(self) -> str | None:
        """The carrier of the order's latest shipment; None before anything was shipped."""
        shipped = [line for line in self.items if line.shipped_at is not None]
        if not shipped:
            return None
        return max(shipped, key=lambda line: (line.shipped_at, line.id)).carrier_key
