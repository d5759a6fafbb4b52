"""Styles, their variants and prices, and the history of styles' statuses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import true

from sellers_center.db.tables.base import Base
from sellers_center.db.types import UTCDateTime


class ProductStyle(Base):
    """A product master: the variants sharing a ``style_key``, published and reviewed together."""

    __tablename__ = "product_styles"
    __table_args__ = (
        UniqueConstraint("seller_id", "style_key"),
        Index("ix_product_styles_status", "status", "seller_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    style_key: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(24))
    rejection_reasons: Mapped[str | None] = mapped_column(Text)
    """Comma-separated rejection reason keys, set by the last rejection."""
    rejection_message: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StyleStatusChange(Base):
    """One change of a style's status: the history ``products history`` prints."""

    __tablename__ = "style_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    style_id: Mapped[int] = mapped_column(
        ForeignKey("product_styles.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    cause: Mapped[str] = mapped_column(String(16))
    """seller (a batch), operator (review) or system (activation, problem detection)."""
    detail: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProductVariant(Base):
    """One sellable variant (a SKU), stored by products only (``products/repository``).

    Real columns for what is looked up or changed on its own (codes, stock, what decides
    sellability); the rest of the item as last upserted (names, descriptions, attributes,
    materials, images, ...) is ``details``, JSON text written by pydantic (faster than a JSON
    column's encoder, measured). Prices are ``variant_prices``.
    """

    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("seller_id", "sku"),
        UniqueConstraint("seller_id", "ean"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    style_id: Mapped[int] = mapped_column(
        ForeignKey("product_styles.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(120))
    ean: Mapped[str | None] = mapped_column(String(13))
    brand: Mapped[int] = mapped_column(Integer)
    category: Mapped[int] = mapped_column(Integer)
    color: Mapped[int] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(Integer)
    second_size: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int | None] = mapped_column(Integer)
    """Units in stock; null when the seller never gave one."""
    quantity_fbm: Mapped[int | None] = mapped_column(Integer)
    """Units in the marketplace's warehouse (fulfilment by the marketplace), set by the
    operator; null when the seller has none there."""
    countries: Mapped[str | None] = mapped_column(Text)
    """The countries to sell in, comma-separated in the seller's order; null when not given."""
    has_images: Mapped[bool] = mapped_column(Boolean, server_default=true())
    is_sellable: Mapped[bool] = mapped_column(Boolean, server_default=true())
    """Complete enough to be sold (countries with prices, images): what publishing needs.
    Derived by products whenever countries, prices or images change."""
    details: Mapped[str] = mapped_column(Text)
    stock_valid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the stock last applied was valid; older stock updates are stale."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VariantPrice(Base):
    """A variant's price in one country, and when the last price update for it was valid.

    Amounts are exact decimal text (SQLite has no exact decimal type). A row without an amount
    keeps only the validity of a country whose price an upsert removed: a later, older price
    update for it is still stale. ``position`` orders the prices as the seller gave them.
    """

    __tablename__ = "variant_prices"
    __table_args__ = (
        CheckConstraint(
            "retail_price IS NOT NULL OR valid_at IS NOT NULL", name="price_or_validity"
        ),
    )

    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    position: Mapped[int | None] = mapped_column(Integer)
    retail_price: Mapped[str | None] = mapped_column(Text)
    sale_price: Mapped[str | None] = mapped_column(Text)
    valid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the last price update applied for this country was valid; older ones are stale."""
