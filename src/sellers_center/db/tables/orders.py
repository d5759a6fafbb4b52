"""Customer orders and their items, stored by orders only (``orders/repository.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sellers_center.db.tables.base import Base
from sellers_center.db.types import UTCDateTime


class Order(Base):
    """An order the marketplace's shop placed with a seller.

    ``status`` is derived from the items (all in one state: that state, else ``mixed``) and
    written with every change of an item, so that listing by status is an index lookup. Money
    is not stored here: the order's costs are the sums of its items'.
    """

    __tablename__ = "orders"
    __table_args__ = (
        # The seller's listing and its keyset cursor, with or without a status filter.
        Index("ix_orders_seller_created", "seller_id", "created_at", "id"),
        Index("ix_orders_seller_status_created", "seller_id", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    shop_country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    fulfillment_type: Mapped[str] = mapped_column(String(32))
    customer_key: Mapped[str] = mapped_column(String(64))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(40))
    shipping_first_name: Mapped[str] = mapped_column(String(100))
    shipping_last_name: Mapped[str] = mapped_column(String(100))
    shipping_street: Mapped[str] = mapped_column(String(200))
    shipping_additional: Mapped[str | None] = mapped_column(String(200))
    shipping_zip_code: Mapped[str] = mapped_column(String(20))
    shipping_city: Mapped[str] = mapped_column(String(100))
    shipping_country_code: Mapped[str] = mapped_column(String(2))
    billing_first_name: Mapped[str] = mapped_column(String(100))
    billing_last_name: Mapped[str] = mapped_column(String(100))
    billing_street: Mapped[str] = mapped_column(String(200))
    billing_additional: Mapped[str | None] = mapped_column(String(200))
    billing_zip_code: Mapped[str] = mapped_column(String(20))
    billing_city: Mapped[str] = mapped_column(String(100))
    billing_country_code: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderItem(Base):
    """One unit of one SKU in an order. The variant is named by its SKU, which the seller's
    variants keep for life; its name and size are copied at placement for the documents, and
    its price for the shop's country as integers of the currency's smallest unit."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(120))
    product_name: Mapped[str] = mapped_column(Text)
    size_label: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    price_with_tax: Mapped[int] = mapped_column(Integer)
    price_without_tax: Mapped[int] = mapped_column(Integer)
    vat: Mapped[str] = mapped_column(String(8))
    """The VAT rate in percent as exact decimal text, as the catalogue gave it at placement."""
    carrier_key: Mapped[str | None] = mapped_column(String(64))
    shipment_tracking_key: Mapped[str | None] = mapped_column(String(100))
    return_tracking_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
