"""variant columns and prices: the stored item's stock, countries and prices leave its JSON

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:30:00

``product_variants.data`` held the whole upsert item as JSON, which stock and price batches
edited in place. Now stock (``quantity``), the countries and whether there are images (what,
with prices, decides ``is_sellable``) are columns, prices are rows of ``variant_prices`` with
their validity (``price_valid_at`` was a JSON object of country to time), and the rest of the
item stays JSON in ``details``. ``is_sellable`` is derived again for every row on the way: a
price batch that added a missing country's price used to leave it false.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

import sellers_center.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Rows converted per statement pair; bounds memory whatever the table's size.
KEYSET_BATCH = 500
# The item fields that now have columns (or rows) of their own; the rest is ``details``.
COLUMN_FIELDS = (
    "style_key",
    "sku",
    "ean",
    "color",
    "size",
    "second_size",
    "brand",
    "category",
    "quantity",
    "countries",
    "prices",
)
# The upsert item's fields in the order its schema declares them (what ``data`` was written in).
ITEM_FIELDS = (
    "style_key",
    "sku",
    "ean",
    "hs_code",
    "name",
    "description",
    "descriptions",
    "color",
    "size",
    "second_size",
    "brand",
    "category",
    "quantity",
    "weight",
    "countries",
    "country_of_origin",
    "attributes",
    "material_composition_textile",
    "material_composition_non_textile",
    "prices",
    "images",
)

variants = sa.table(
    "product_variants",
    sa.column("id", sa.Integer),
    sa.column("style_id", sa.Integer),
    sa.column("sku", sa.String),
    sa.column("ean", sa.String),
    sa.column("brand", sa.Integer),
    sa.column("category", sa.Integer),
    sa.column("color", sa.Integer),
    sa.column("size", sa.Integer),
    sa.column("second_size", sa.Integer),
    sa.column("quantity", sa.Integer),
    sa.column("countries", sa.Text),
    sa.column("has_images", sa.Boolean),
    sa.column("is_sellable", sa.Boolean),
    sa.column("details", sa.Text),
    sa.column("data", sa.Text),
    sa.column("price_valid_at", sa.Text),
)
styles = sa.table("product_styles", sa.column("id", sa.Integer), sa.column("style_key", sa.String))
prices = sa.table(
    "variant_prices",
    sa.column("variant_id", sa.Integer),
    sa.column("country_code", sa.String),
    sa.column("position", sa.Integer),
    sa.column("retail_price", sa.Text),
    sa.column("sale_price", sa.Text),
    sa.column("valid_at", sellers_center.db.types.UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quantity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("countries", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("has_images", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("details", sa.Text(), nullable=True))
    connection = op.get_bind()
    converted = _update_by_id(
        variants, "quantity", "countries", "has_images", "is_sellable", "details"
    )
    for rows in _keyset(connection, sa.select(variants.c.id, variants.c.data)):
        columns = [{"variant": key, **_columns_of(json.loads(data))} for key, data in rows]
        connection.execute(converted, columns)
    # Before variant_prices exists: on SQLite this rebuilds the table, and dropping the old one
    # would delete every row that references it (ON DELETE CASCADE).
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.alter_column("details", existing_type=sa.Text(), nullable=False)
    _create_prices()
    stored = sa.select(variants.c.id, variants.c.data, variants.c.price_valid_at)
    for rows in _keyset(connection, stored):
        price_rows = [
            row
            for key, data, validity in rows
            for row in _price_rows(key, json.loads(data)["prices"], json.loads(validity or "{}"))
        ]
        if price_rows:
            connection.execute(sa.insert(prices), price_rows)
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a rebuild, for the same
    # reason.
    op.drop_column("product_variants", "price_valid_at")
    op.drop_column("product_variants", "data")


def downgrade() -> None:
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("price_valid_at", sa.Text(), nullable=True))
    connection = op.get_bind()
    listing = sa.select(
        variants.c.id,
        styles.c.style_key,
        variants.c.sku,
        variants.c.ean,
        variants.c.color,
        variants.c.size,
        variants.c.second_size,
        variants.c.brand,
        variants.c.category,
        variants.c.quantity,
        variants.c.countries,
        variants.c.details,
    ).join(styles, styles.c.id == variants.c.style_id)
    for rows in _keyset(connection, listing):
        stored = _prices_of(connection, [row.id for row in rows])
        items = [_item_of(row, stored.get(row.id, [])) for row in rows]
        connection.execute(_update_by_id(variants, "data", "price_valid_at"), items)
    op.drop_table("variant_prices")
    with op.batch_alter_table("product_variants", schema=None) as batch_op:
        batch_op.alter_column("data", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("details")
        batch_op.drop_column("has_images")
        batch_op.drop_column("countries")
        batch_op.drop_column("quantity")


def _create_prices() -> None:
    op.create_table(
        "variant_prices",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("retail_price", sa.Text(), nullable=True),
        sa.Column("sale_price", sa.Text(), nullable=True),
        sa.Column("valid_at", sellers_center.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "retail_price IS NOT NULL OR valid_at IS NOT NULL",
            name=op.f("ck_variant_prices_price_or_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variants.id"],
            name=op.f("fk_variant_prices_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("variant_id", "country_code", name=op.f("pk_variant_prices")),
    )


def _keyset(connection: Connection, statement: sa.Select[Any]) -> Iterator[list[Any]]:
    """The rows of ``statement`` (whose first column is the variant id) in id order, a batch
    at a time."""
    last = 0
    while True:
        batch = statement.where(variants.c.id > last).order_by(variants.c.id).limit(KEYSET_BATCH)
        rows = list(connection.execute(batch))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _update_by_id(table: sa.TableClause, *names: str) -> sa.Update:
    values: dict[str, Any] = {name: sa.bindparam(name) for name in names}
    return table.update().where(table.c.id == sa.bindparam("variant")).values(values)


def _columns_of(item: dict[str, Any]) -> dict[str, Any]:
    countries: list[str] | None = item.get("countries")
    priced = {price["country_code"] for price in item["prices"]}
    has_images = bool(item.get("images"))
    is_sellable = bool(countries) and priced.issuperset(countries or ()) and has_images
    return {
        "quantity": item.get("quantity"),
        "countries": None if countries is None else ",".join(countries),
        "has_images": has_images,
        "is_sellable": is_sellable,
        "details": json.dumps(
            {key: value for key, value in item.items() if key not in COLUMN_FIELDS},
            separators=(",", ":"),
            ensure_ascii=False,
        ),
    }


def _price_rows(
    variant_id: int, stored: list[dict[str, Any]], validity: dict[str, str]
) -> list[dict[str, Any]]:
    rows = {
        price["country_code"]: {
            "variant_id": variant_id,
            "country_code": price["country_code"],
            "position": position,
            "retail_price": price["retail_price"],
            "sale_price": price.get("sale_price"),
            "valid_at": None,
        }
        for position, price in enumerate(stored)
    }
    for code, valid_at in validity.items():
        row = rows.setdefault(
            code,
            {
                "variant_id": variant_id,
                "country_code": code,
                "position": None,
                "retail_price": None,
                "sale_price": None,
            },
        )
        row["valid_at"] = datetime.fromisoformat(valid_at)
    return list(rows.values())


def _prices_of(connection: Connection, variant_ids: list[int]) -> dict[int, list[Any]]:
    statement = (
        sa.select(prices)
        .where(prices.c.variant_id.in_(variant_ids))
        .order_by(prices.c.variant_id, prices.c.position)
    )
    found: dict[int, list[Any]] = {}
    for row in connection.execute(statement):
        found.setdefault(row.variant_id, []).append(row)
    return found


def _item_of(row: Any, stored: list[Any]) -> dict[str, Any]:
    item = {
        **json.loads(row.details),
        "style_key": row.style_key,
        "sku": row.sku,
        "ean": row.ean,
        "color": row.color,
        "size": row.size,
        "second_size": row.second_size,
        "brand": row.brand,
        "category": row.category,
        "quantity": row.quantity,
        "countries": None if row.countries is None else _split(row.countries),
        "prices": [
            {
                "country_code": price.country_code,
                "retail_price": price.retail_price,
                "sale_price": price.sale_price,
            }
            for price in stored
            if price.retail_price is not None
        ],
    }
    validity = {
        price.country_code: price.valid_at.isoformat()
        for price in stored
        if price.valid_at is not None
    }
    data = {key: item[key] for key in ITEM_FIELDS if key in item}
    return {
        "variant": row.id,
        "data": json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        "price_valid_at": json.dumps(validity, sort_keys=True) if validity else None,
    }


def _split(countries: str) -> list[str]:
    return countries.split(",") if countries else []
