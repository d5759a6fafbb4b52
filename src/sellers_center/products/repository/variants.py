"""All SQL about variants but their listing (``listed.py``): the ones a batch needs, its bulk
write, deletion, and what decides whether they can be sold.

The storage form is private to this package: real columns for what is looked up or changed on
its own, the rest of the item as JSON text (``details``), prices in ``prices.py``. Callers get
and give ``Variant`` values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    CompoundSelect,
    Dialect,
    Table,
    bindparam,
    delete,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import statements
from sellers_center.db.statements import DriverStatement
from sellers_center.db.tables import ProductStyle, ProductVariant
from sellers_center.products.repository import prices
from sellers_center.products.variant import Variant

# Columns an upsert replaces; identity, creation time and the validity of stock stay.
REPLACED_ON_UPSERT = (
    "style_id",
    "ean",
    "brand",
    "category",
    "color",
    "size",
    "second_size",
    "quantity",
    "countries",
    "has_images",
    "is_sellable",
    "details",
    "updated_at",
)
# The upsert's columns, in the order its rows are built (``upsert_variants``).
UPSERT_COLUMNS = ("seller_id", "sku", *REPLACED_ON_UPSERT[:-1], "created_at", "updated_at")


@dataclass(frozen=True, slots=True)
class StoredVariant:
    """What the upsert's rules compare of a stored variant."""

    sku: str
    style_key: str
    ean: str | None
    brand: int
    category: int
    color: int
    size: int | None
    second_size: int | None
    is_sellable: bool


@dataclass(frozen=True, slots=True)
class SaleInputs:
    """What decides whether a stored variant can be sold."""

    id: int
    style_id: int
    sku: str
    countries: tuple[str, ...]
    has_images: bool


def countries_text(countries: Sequence[str] | None) -> str | None:
    """Countries as stored: comma-separated in the seller's order, None when not given."""
    return None if countries is None else ",".join(countries)


def countries_of(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(text.split(",")) if text else ()


async def load_variants(
    session: AsyncSession,
    seller_id: int,
    *,
    style_keys: Iterable[str],
    skus: Iterable[str],
    eans: Iterable[str],
) -> list[StoredVariant]:
    """Every variant a batch can touch or clash with: those of its styles, those with its
    SKUs, and those holding its EANs. One statement, a UNION of three index lookups (an OR
    across the join made SQLite scan the whole table, measured)."""
    parameters = {
        "seller_id": seller_id,
        "style_keys": list(set(style_keys)),
        "skus": list(set(skus)),
        "eans": list(set(eans)),
    }
    statement = _variants_statement()
    rows = sorted(await session.execute(statement, parameters), key=lambda row: row.sku)
    return [StoredVariant(*row) for row in rows]


@functools.cache
def _variants_statement() -> CompoundSelect[*tuple[Any, ...]]:
    """The UNION of ``load_variants``, built once: building it and its cache key anew each
    batch is Python work SQLAlchemy skips for a statement it has seen. Bound when run:
    ``seller_id``, and the lists ``style_keys``, ``skus`` and ``eans``."""
    columns = (
        ProductVariant.sku,
        ProductStyle.style_key,
        ProductVariant.ean,
        ProductVariant.brand,
        ProductVariant.category,
        ProductVariant.color,
        ProductVariant.size,
        ProductVariant.second_size,
        ProductVariant.is_sellable,
    )
    joined = select(*columns).join(ProductStyle, ProductStyle.id == ProductVariant.style_id)
    base = joined.where(ProductVariant.seller_id == bindparam("seller_id"))
    # The styles' ids first, then their variants by style: with the seller's condition on the
    # variants, SQLite without fresh statistics read every variant of the seller (the
    # (seller_id, sku) index's whole range for it: 1,792 ms at 200,000 variants, measured).
    styles = select(ProductStyle.id).where(
        ProductStyle.seller_id == bindparam("seller_id"),
        ProductStyle.style_key.in_(bindparam("style_keys", expanding=True)),
    )
    return union(
        joined.where(ProductVariant.style_id.in_(styles.scalar_subquery())),
        base.where(ProductVariant.sku.in_(bindparam("skus", expanding=True))),
        base.where(ProductVariant.ean.in_(bindparam("eans", expanding=True))),
    )


async def upsert_variants(
    session: AsyncSession,
    seller_id: int,
    variants: Sequence[Variant],
    style_ids: dict[str, int],
    *,
    stored_skus: Sequence[str],
    now: datetime,
) -> None:
    """Create or replace ``variants`` with one INSERT ... ON CONFLICT statement run for all of
    them, then their prices (``stored_skus``: those that existed before).

    Run by the driver itself, compiled once per dialect (as the prices are): a 100-row VALUES
    list compiled anew every batch cost 70 ms of the batch's 100, and SQLAlchemy's executemany
    still built every row's parameters through its type processors (measured). Here each
    column's processor runs only where it converts, and once for the values every row shares
    (the seller, the time). SQLite executes it once per row; PostgreSQL once, over one array
    per column (db/statements.py), and returns the variants' ids for their prices.
    """
    if not variants:
        return
    connection = await session.connection()
    upsert = _variant_upsert(connection.dialect)
    # In UPSERT_COLUMNS' order; the seller and the time are converted once for every row.
    seller, time = upsert.convert(0, seller_id), upsert.convert(-1, now)
    rows = []
    for variant in variants:
        row = [
            seller,
            variant.sku,
            style_ids[variant.style_key],
            variant.ean,
            variant.brand,
            variant.category,
            variant.color,
            variant.size,
            variant.second_size,
            variant.quantity,
            countries_text(variant.countries),
            variant.has_images,
            variant.is_sellable,
            to_json(variant.details).decode(),
            time,
            time,
        ]
        for index, convert in upsert.per_row:
            row[index] = convert(row[index])
        rows.append(row)
    if connection.dialect.name != "postgresql":
        await connection.exec_driver_sql(upsert.statement.sql, list(map(upsert.positional, rows)))
        await prices.replace_for_upsert(session, seller_id, variants, stored_skus)
        return
    if stored_skus:
        # Lock the stored ones first, in SKU order as stock and price batches do, so that
        # writing them in item order below can never deadlock with such a batch.
        locked = (
            select(ProductVariant.id)
            .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(stored_skus))
            .order_by(ProductVariant.sku)
            .with_for_update()
        )
        await session.execute(locked)
    written = await connection.exec_driver_sql(
        upsert.statement.sql, upsert.positional(statements.as_columns(rows))
    )
    ids: dict[str, int] = {row.sku: row.id for row in written}
    await prices.replace_for_upsert(session, seller_id, variants, stored_skus, variant_ids=ids)


@dataclass(frozen=True, slots=True)
class _CompiledUpsert:
    statement: DriverStatement
    processors: tuple[Callable[[Any], Any] | None, ...]
    """Each column's conversion of a Python value for the driver (None: the value as is)."""
    per_row: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The conversions of the columns whose value differs by row."""

    def convert(self, index: int, value: Any) -> Any:
        processor = self.processors[index]
        return value if processor is None else processor(value)

    def positional(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """The statement's parameters from values (a row's, or a column's each on PostgreSQL)
        in ``UPSERT_COLUMNS``' order."""
        return self.statement.positional(values)


@functools.cache
def _variant_upsert(dialect: Dialect) -> _CompiledUpsert:
    """INSERT ... ON CONFLICT (seller, SKU) DO UPDATE of ``REPLACED_ON_UPSERT``, compiled once
    per dialect, with the columns' conversions: of one row on SQLite, of arrays of rows
    returning each variant's id on PostgreSQL."""
    table: Table = ProductVariant.__table__  # type: ignore[assignment]
    columns = [table.c[name] for name in UPSERT_COLUMNS]
    statement = statements.insert(table, dialect.name)
    if dialect.name == "postgresql":
        statement = statement.from_select(UPSERT_COLUMNS, statements.array_rows(columns))
    else:
        statement = statement.values(
            {column.name: bindparam(column.name, type_=column.type) for column in columns}
        )
    replaced = {column: statement.excluded[column] for column in REPLACED_ON_UPSERT}
    upsert: Any = statement.on_conflict_do_update(
        index_elements=["seller_id", "sku"], set_=replaced
    )
    if dialect.name == "postgresql":
        upsert = upsert.returning(table.c.sku, table.c.id)
    processors = tuple(
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns
    )
    shared = {0, len(columns) - 2, len(columns) - 1}  # the seller, created_at, updated_at
    per_row = tuple(
        (index, processor)
        for index, processor in enumerate(processors)
        if processor is not None and index not in shared
    )
    compiled = statements.compile_for_driver(upsert, dialect, UPSERT_COLUMNS)
    return _CompiledUpsert(compiled, processors, per_row)


async def clear_eans(session: AsyncSession, seller_id: int, skus: Sequence[str]) -> None:
    if skus:
        statement = (
            update(ProductVariant)
            .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(skus))
            .values(ean=None)
        )
        await session.execute(statement)


async def sale_inputs_of_styles(
    session: AsyncSession, style_ids: Iterable[int]
) -> list[SaleInputs]:
    """What decides the sellability of every variant of these styles, in SKU order."""
    statement = (
        select(
            ProductVariant.id,
            ProductVariant.style_id,
            ProductVariant.sku,
            ProductVariant.countries,
            ProductVariant.has_images,
        )
        .where(ProductVariant.style_id.in_(set(style_ids)))
        .order_by(ProductVariant.sku)
    )
    return [
        SaleInputs(row.id, row.style_id, row.sku, countries_of(row.countries) or (), row.has_images)
        for row in await session.execute(statement)
    ]


async def styles_with_unsellable_variants(
    session: AsyncSession, style_ids: Sequence[int]
) -> set[int]:
    if not style_ids:
        return set()
    statement = select(ProductVariant.style_id).where(
        ProductVariant.style_id.in_(style_ids), ProductVariant.is_sellable.is_(False)
    )
    return set((await session.execute(statement.distinct())).scalars())


async def find_variant_for_delete(
    session: AsyncSession, seller_id: int, sku: str
) -> tuple[int, int, str, str] | None:
    """(variant id, style id, style key, style status) of a SKU, locking the style row."""
    statement = (
        select(ProductVariant.id, ProductStyle.id, ProductStyle.style_key, ProductStyle.status)
        .join(ProductStyle, ProductStyle.id == ProductVariant.style_id)
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku == sku)
        .with_for_update(of=ProductStyle)
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1], row[2], row[3])


async def delete_variant(session: AsyncSession, variant_id: int, style_id: int) -> None:
    """Delete a variant (its prices go with it), and its style when it was the style's last
    variant."""
    await session.execute(delete(ProductVariant).where(ProductVariant.id == variant_id))
    remaining = select(ProductVariant.id).where(ProductVariant.style_id == style_id).limit(1)
    if (await session.execute(remaining)).first() is None:
        await session.execute(delete(ProductStyle).where(ProductStyle.id == style_id))
