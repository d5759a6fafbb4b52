"""orders and their items; the variant's stock in the marketplace's warehouse

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00

``orders`` keep the order's status derived from its items (listing by status is an index
lookup), ``order_items`` one unit of one SKU each, money as integers of the currency's smallest
unit and the VAT rate as exact decimal text. ``product_variants.quantity_fbm`` holds the units in
the marketplace's warehouse for orders fulfilled by the marketplace; null (none there) for every
existing variant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sellers_center.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sellers_center.db.types.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quantity_fbm", sa.Integer(), nullable=True))
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shop_country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fulfillment_type", sa.String(length=32), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_phone", sa.String(length=40), nullable=False),
        sa.Column("shipping_first_name", sa.String(length=100), nullable=False),
        sa.Column("shipping_last_name", sa.String(length=100), nullable=False),
        sa.Column("shipping_street", sa.String(length=200), nullable=False),
        sa.Column("shipping_additional", sa.String(length=200), nullable=True),
        sa.Column("shipping_zip_code", sa.String(length=20), nullable=False),
        sa.Column("shipping_city", sa.String(length=100), nullable=False),
        sa.Column("shipping_country_code", sa.String(length=2), nullable=False),
        sa.Column("billing_first_name", sa.String(length=100), nullable=False),
        sa.Column("billing_last_name", sa.String(length=100), nullable=False),
        sa.Column("billing_street", sa.String(length=200), nullable=False),
        sa.Column("billing_additional", sa.String(length=200), nullable=True),
        sa.Column("billing_zip_code", sa.String(length=20), nullable=False),
        sa.Column("billing_city", sa.String(length=100), nullable=False),
        sa.Column("billing_country_code", sa.String(length=2), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_orders_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("order_number", name=op.f("uq_orders_order_number")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_seller_created", ["seller_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_orders_seller_status_created",
            ["seller_id", "status", "created_at", "id"],
            unique=False,
        )
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=120), nullable=False),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("size_label", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("price_with_tax", sa.Integer(), nullable=False),
        sa.Column("price_without_tax", sa.Integer(), nullable=False),
        sa.Column("vat", sa.String(length=8), nullable=False),
        sa.Column("carrier_key", sa.String(length=64), nullable=True),
        sa.Column("shipment_tracking_key", sa.String(length=100), nullable=True),
        sa.Column("return_tracking_key", sa.String(length=100), nullable=True),
        _time("created_at"),
        _time("shipped_at", nullable=True),
        _time("cancelled_at", nullable=True),
        _time("returned_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_order_items_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_items_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_items_order_id"))
    op.drop_table("order_items")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_seller_status_created")
        batch_op.drop_index("ix_orders_seller_created")
    op.drop_table("orders")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch rebuild: on SQLite
    # dropping the old copy of product_variants would delete every variant price (ON DELETE
    # CASCADE).
    op.drop_column("product_variants", "quantity_fbm")
