"""Orders (API guide: orders): the orders listed, and the ship, cancel and return items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from pydantic import Field

from sellers_center_client._base import ApiModel, RequestModel
from sellers_center_client._page import Pagination


class OrderStatus(StrEnum):
    """An order's status: its items' one state, or ``mixed``."""

    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    MIXED = "mixed"


class OrderItemStatus(StrEnum):
    """``open → shipped → returned``, or ``open → cancelled``."""

    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class FulfillmentType(StrEnum):
    DROPSHIPPING = "dropshipping"
    """The seller ships from its own stock."""
    FULFILLMENT_BY_MARKETPLACE = "fulfillment_by_marketplace"
    """The marketplace ships from its warehouse."""


class OrderItem(ApiModel):
    """One unit of one SKU. Money is in the currency's smallest unit (cents)."""

    id: int
    sku: str
    status: OrderItemStatus | str = Field(union_mode="left_to_right")
    price_with_tax: int
    price_without_tax: int
    vat: Decimal
    """VAT rate in percent."""
    carrier_key: str | None
    shipment_tracking_key: str | None
    return_tracking_key: str | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None


class Order(ApiModel):
    """An order of the seller's; ``cost_*`` sum the items not cancelled, in the smallest unit
    of ``currency``."""

    order_number: str
    status: OrderStatus | str = Field(union_mode="left_to_right")
    created_at: datetime
    updated_at: datetime
    shop: str
    customer_key: str
    customer_email: str
    customer_phone: str
    shipping_recipient_first_name: str
    shipping_recipient_last_name: str
    shipping_street: str
    shipping_additional: str | None
    shipping_zip_code: str
    shipping_city: str
    shipping_country_code: str
    billing_recipient_first_name: str
    billing_recipient_last_name: str
    billing_street: str
    billing_additional: str | None
    billing_zip_code: str
    billing_city: str
    billing_country_code: str
    carrier_key: str | None
    cost_with_tax: int
    cost_without_tax: int
    currency: str
    fulfillment_type: FulfillmentType | str = Field(union_mode="left_to_right")
    delivery_document_url: str
    order_items: list[OrderItem]


class OrdersPage(ApiModel):
    """One page of ``orders.list``, oldest first."""

    items: list[Order]
    pagination: Pagination

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the following page (``orders.list(cursor=...)``), or None on the
        last page."""
        if self.pagination.next is None:
            return None
        found = parse_qs(urlsplit(self.pagination.next).query).get("cursor")
        return found[0] if found else None


class ShipItem(RequestModel):
    """Order items handed to one carrier together (one parcel); all of them must be open."""

    order_items: list[int]
    carrier_key: str
    """A carrier of the shipping country (``catalog.carriers``)."""
    shipment_tracking_key: str
    return_tracking_key: str | None = None


class CancelItem(RequestModel):
    """One open order item to cancel; its unit goes back to stock."""

    id: int


class ReturnItem(RequestModel):
    """Shipped order items the customer sent back."""

    order_items: list[int]
    return_tracking_key: str
