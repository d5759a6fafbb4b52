"""All SQL about prices: one row per variant and country (``variant_prices``), amounts as exact
decimal text, with the validity of the last price update applied for that country."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Integer, String, Table, Text, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import statements
from sellers_center.db.engine import dialect_name
from sellers_center.db.statements import DriverStatement
from sellers_center.db.tables import ProductVariant, VariantPrice
from sellers_center.db.types import UTCDateTime
from sellers_center.products.variant import Variant

# The Core table: the ORM's bulk insert does not take INSERT ... SELECT or bound values.
PRICES: Table = VariantPrice.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class PriceRow:
    """A stored price row; without ``retail_price`` it only keeps a country's validity."""

    country_code: str
    position: int | None
    retail_price: Decimal | None
    sale_price: Decimal | None
    valid_at: datetime | None


# The parameters of ``_insert_by_sku``, in the order ``replace_for_upsert`` builds a row's.
BY_SKU_PARAMETERS = ("seller", "sku", "code", "position", "retail", "sale")
# The columns of ``_insert_arrays``, in the order of its parameters.
BY_ID_COLUMNS = ("variant_id", "country_code", "position", "retail_price", "sale_price")


def amount_text(amount: Decimal | None) -> str | None:
    """An amount as stored: the decimal as written, so it reads back exactly."""
    return None if amount is None else str(amount)


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


async def rows_of(session: AsyncSession, variant_ids: Iterable[int]) -> dict[int, list[PriceRow]]:
    """Every price row of these variants, by variant id, priced ones in the seller's order."""
    statement = (
        select(
            VariantPrice.variant_id,
            VariantPrice.country_code,
            VariantPrice.position,
            VariantPrice.retail_price,
            VariantPrice.sale_price,
            VariantPrice.valid_at,
        )
        .where(VariantPrice.variant_id.in_(set(variant_ids)))
        .order_by(VariantPrice.variant_id, VariantPrice.position, VariantPrice.country_code)
    )
    found: dict[int, list[PriceRow]] = {}
    for variant_id, code, position, retail, sale, valid_at in await session.execute(statement):
        row = PriceRow(code, position, _amount(retail), _amount(sale), valid_at)
        found.setdefault(variant_id, []).append(row)
    return found


async def replace_for_upsert(
    session: AsyncSession,
    seller_id: int,
    variants: Sequence[Variant],
    stored_skus: Sequence[str],
    *,
    variant_ids: Mapping[str, int] | None = None,
) -> None:
    """Give each upserted variant exactly its item's prices. The validity of every country
    stays: a price update older than one applied is stale whatever an upsert did in between.
    With ``variant_ids`` (by SKU, which PostgreSQL's upsert returns) the rows are written by id
    in one execution; without, they are found by SKU inside the statement, once per row, so
    new variants need no id lookup first."""
    if stored_skus:
        owned = select(ProductVariant.id).where(
            ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(stored_skus)
        )
        keep_validity = VariantPrice.variant_id.in_(owned.scalar_subquery())
        await session.execute(
            delete(VariantPrice).where(keep_validity, VariantPrice.valid_at.is_(None))
        )
        await session.execute(
            update(VariantPrice)
            .where(keep_validity)
            .values(position=None, retail_price=None, sale_price=None)
        )
    if not any(variant.prices for variant in variants):
        return
    connection = await session.connection()
    # Every parameter is a plain str or int, which no type of the statements converts.
    rows = [
        (
            variant.sku,
            price.country_code,
            position,
            amount_text(price.retail_price),
            amount_text(price.sale_price),
        )
        for variant in variants
        for position, price in enumerate(variant.prices)
    ]
    if variant_ids is not None:
        insert = _insert_arrays(connection.dialect)
        by_id = statements.as_columns([(variant_ids[sku], *values) for sku, *values in rows])
        await connection.exec_driver_sql(insert.sql, insert.positional(by_id))
        return
    insert = _insert_by_sku(connection.dialect)
    # The driver's own executemany: SQLAlchemy's spent 3.5 ms of the 6 ms this statement
    # cost per 100-item batch building each row's parameters (measured). Each row is put in
    # the statement's order (``BY_SKU_PARAMETERS``) by one C call.
    by_sku = [insert.positional((seller_id, *row)) for row in rows]
    await connection.exec_driver_sql(insert.sql, by_sku)


@functools.cache
def _insert_by_sku(dialect: Dialect) -> DriverStatement:
    """INSERT ... SELECT the variant's id by (seller, SKU) ... ON CONFLICT: the row's amounts
    and position replaced, its validity kept. Compiled once per dialect, with the order of its
    positional parameters."""
    source = select(
        ProductVariant.id,
        bindparam("code", type_=String),
        bindparam("position", type_=Integer),
        bindparam("retail", type_=Text),
        bindparam("sale", type_=Text),
    ).where(ProductVariant.seller_id == bindparam("seller"), ProductVariant.sku == bindparam("sku"))
    statement = statements.insert(PRICES, dialect.name).from_select(
        ["variant_id", "country_code", "position", "retail_price", "sale_price"], source
    )
    replaced = {
        column: statement.excluded[column] for column in ("position", "retail_price", "sale_price")
    }
    upsert = statement.on_conflict_do_update(
        index_elements=["variant_id", "country_code"], set_=replaced
    )
    return statements.compile_for_driver(upsert, dialect, BY_SKU_PARAMETERS)


@functools.cache
def _insert_arrays(dialect: Dialect) -> DriverStatement:
    """PostgreSQL: INSERT the rows given as one array per column of ``BY_ID_COLUMNS`` ... ON
    CONFLICT, as ``_insert_by_sku`` does."""
    source = statements.array_rows([PRICES.c[name] for name in BY_ID_COLUMNS])
    statement = statements.insert(PRICES, dialect.name).from_select(BY_ID_COLUMNS, source)
    replaced = {name: statement.excluded[name] for name in BY_ID_COLUMNS[2:]}
    upsert = statement.on_conflict_do_update(
        index_elements=["variant_id", "country_code"], set_=replaced
    )
    return statements.compile_for_driver(upsert, dialect, BY_ID_COLUMNS)


async def save(session: AsyncSession, rows: Mapping[int, Sequence[PriceRow]]) -> None:
    """Write these rows (by variant id) as they are now, as one executemany."""
    values = [
        {
            "variant": variant_id,
            "code": row.country_code,
            "position": row.position,
            "retail": amount_text(row.retail_price),
            "sale": amount_text(row.sale_price),
            "valid_at": row.valid_at,
        }
        for variant_id, variant_rows in rows.items()
        for row in variant_rows
    ]
    if values:
        await session.execute(_upsert(dialect_name(session)), values)


@functools.cache
def _upsert(dialect: str) -> Any:
    statement = statements.insert(PRICES, dialect).values(
        variant_id=bindparam("variant"),
        country_code=bindparam("code"),
        position=bindparam("position"),
        retail_price=bindparam("retail"),
        sale_price=bindparam("sale"),
        valid_at=bindparam("valid_at", type_=UTCDateTime()),
    )
    replaced = {
        column: statement.excluded[column]
        for column in ("position", "retail_price", "sale_price", "valid_at")
    }
    return statement.on_conflict_do_update(
        index_elements=["variant_id", "country_code"], set_=replaced
    )
