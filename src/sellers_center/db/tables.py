"""Table definitions. Storage shape only: API schemas live in each domain's ``schemas.py``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import true

from sellers_center.db.types import UTCDateTime

# Batches a worker may claim (engine/status.py CLAIMABLE), as SQL for partial indexes.
CLAIMABLE_CONDITION = "status IN ('pending', 'retry')"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- sellers and their API keys -------------------------------------------------------------


class Seller(Base):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """Only the SHA-256 of a key is stored; ``id`` is its public, non-secret part."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- catalogue ------------------------------------------------------------------------------


class CatalogState(Base):
    """One row; ``version`` grows on every catalogue change so processes drop their caches."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class AttributeGroup(Base):
    __tablename__ = "attribute_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    frontend_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    is_multiselect: Mapped[bool] = mapped_column(Boolean)
    required: Mapped[bool] = mapped_column(Boolean)


class Attribute(Base):
    __tablename__ = "attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    frontend_name: Mapped[str] = mapped_column(String(200))


class Category(Base):
    """A node of the taxonomy tree; leaves are the categories products are filed under.

    ``parent_id`` is checked by the catalogue import rather than a foreign key, so a whole tree
    can be replaced in one pass without ordering the statements.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    material_composition_type: Mapped[str | None] = mapped_column(String(16))


class CategoryAttributeGroup(Base):
    """A group applies to its category and, through the tree, to every descendant."""

    __tablename__ = "category_attribute_groups"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("attribute_groups.id", ondelete="CASCADE"), primary_key=True
    )


class Currency(Base):
    __tablename__ = "currencies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Country(Base):
    """A country the marketplace sells in."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    currency_code: Mapped[str] = mapped_column(ForeignKey("currencies.code"))
    vat_rate: Mapped[str | None] = mapped_column(String(8))
    """The standard VAT rate in percent as exact decimal text (``"19"``, ``"25.5"``); null when
    the catalogue gives none."""


class Carrier(Base):
    """A carrier an order shipped to ``country_code`` may be handed to."""

    __tablename__ = "carriers"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    carrier_name: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), index=True
    )
    display_label: Mapped[str] = mapped_column(String(200))


class Locale(Base):
    __tablename__ = "locales"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class RejectionReason(Base):
    __tablename__ = "rejection_reasons"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)


class SellerBrand(Base):
    """Brands (attributes of the catalogue's brand group) a seller may list products under."""

    __tablename__ = "seller_brands"

    seller_id: Mapped[int] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    brand_id: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )


# --- products -------------------------------------------------------------------------------


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


# --- the batch engine -----------------------------------------------------------------------


class Batch(Base):
    """A submitted batch; the table is also the work queue.

    ``dedup_key`` holds the payload's hash while the batch is not final, so an identical
    resubmission finds it through the unique constraint; it is cleared when the batch ends.
    """

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("seller_id", "kind", "dedup_key"),
        Index("ix_batches_queue", "status", "available_at"),
        Index("ix_batches_finished_at", "finished_at"),
        # The fair claim: every seller's oldest claimable batch, and when each seller was last
        # served.
        Index("ix_batches_seller_started", "seller_id", "started_at"),
        # Arrival order of the claimable batches: the claim's fallback, in one index step.
        Index(
            "ix_batches_claimable",
            "available_at",
            "id",
            postgresql_where=text(CLAIMABLE_CONDITION),
            sqlite_where=text(CLAIMABLE_CONDITION),
        ),
        Index(
            "ix_batches_seller_queue",
            "seller_id",
            "available_at",
            "id",
            postgresql_where=text(CLAIMABLE_CONDITION),
            sqlite_where=text(CLAIMABLE_CONDITION),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    item_count: Mapped[int] = mapped_column(Integer)
    dedup_key: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class BatchPayload(Base):
    """The request body exactly as received: the worker's input and the source of every echo."""

    __tablename__ = "batch_payloads"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)


class BatchResult(Base):
    """A final batch's ``items`` array, serialised once by the worker and served as is."""

    __tablename__ = "batch_results"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    items: Mapped[bytes] = mapped_column(LargeBinary)
