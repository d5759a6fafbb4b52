"""All SQL about variants: the ones a batch needs, its bulk write, the listing, deletion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import ProductStyle, ProductVariant

# Columns an upsert replaces; identity and creation time stay.
REPLACED_ON_UPSERT = (
    "style_id",
    "ean",
    "brand",
    "category",
    "color",
    "size",
    "second_size",
    "is_sellable",
    "data",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class StoredVariant:
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
class VariantRow:
    """A variant to write: its lookup columns and the item as stored (JSON text)."""

    variant: StoredVariant
    data: str


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
    base = (
        select(*columns)
        .join(ProductStyle, ProductStyle.id == ProductVariant.style_id)
        .where(ProductVariant.seller_id == seller_id)
    )
    statement = union(
        base.where(ProductStyle.style_key.in_(set(style_keys))),
        base.where(ProductVariant.sku.in_(set(skus))),
        base.where(ProductVariant.ean.in_(set(eans))),
    )
    rows = sorted(await session.execute(statement), key=lambda row: row.sku)
    return [StoredVariant(*row) for row in rows]


async def upsert_variants(
    session: AsyncSession,
    seller_id: int,
    rows: Sequence[VariantRow],
    style_ids: dict[str, int],
    now: datetime,
) -> None:
    """Create or replace ``rows`` with one INSERT ... ON CONFLICT statement run for all of them.

    Executed as executemany on the Core table: the statement compiles once and is cached, where
    a 100-row VALUES list compiled anew every batch cost 70 ms of the batch's 100 (measured).
    """
    if not rows:
        return
    values = [
        {
            "seller_id": seller_id,
            "style_id": style_ids[row.variant.style_key],
            "sku": row.variant.sku,
            "ean": row.variant.ean,
            "brand": row.variant.brand,
            "category": row.variant.category,
            "color": row.variant.color,
            "size": row.variant.size,
            "second_size": row.variant.second_size,
            "is_sellable": row.variant.is_sellable,
            "data": row.data,
            "created_at": now,
            "updated_at": now,
        }
        for row in rows
    ]
    dialect = dialect_name(session)
    if dialect == "postgresql":
        # Lock the stored ones first, in SKU order as stock and price batches do, so that
        # writing them in item order below can never deadlock with such a batch.
        skus = sorted(row.variant.sku for row in rows)
        locked = (
            select(ProductVariant.id)
            .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(skus))
            .order_by(ProductVariant.sku)
            .with_for_update()
        )
        await session.execute(locked)
    await session.execute(_variant_upsert(dialect), values)


def _variant_upsert(dialect: str) -> Any:
    table = ProductVariant.__table__
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table)  # type: ignore[arg-type]
    replaced = {column: statement.excluded[column] for column in REPLACED_ON_UPSERT}
    return statement.on_conflict_do_update(index_elements=["seller_id", "sku"], set_=replaced)


async def clear_eans(session: AsyncSession, seller_id: int, skus: Sequence[str]) -> None:
    if skus:
        statement = (
            update(ProductVariant)
            .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(skus))
            .values(ean=None)
        )
        await session.execute(statement)


async def stored_items_of_styles(
    session: AsyncSession, style_ids: Iterable[int]
) -> dict[int, list[str]]:
    """The stored items (JSON text) of every variant of these styles, by style id, in SKU
    order."""
    statement = (
        select(ProductVariant.style_id, ProductVariant.data)
        .where(ProductVariant.style_id.in_(set(style_ids)))
        .order_by(ProductVariant.sku)
    )
    found: dict[int, list[str]] = {}
    for style_id, data in await session.execute(statement):
        found.setdefault(style_id, []).append(data)
    return found


async def styles_with_unsellable_variants(
    session: AsyncSession, style_ids: Sequence[int]
) -> set[int]:
    if not style_ids:
        return set()
    statement = select(ProductVariant.style_id).where(
        ProductVariant.style_id.in_(style_ids), ProductVariant.is_sellable.is_(False)
    )
    return set((await session.execute(statement.distinct())).scalars())


def _listing(
    seller_id: int, style_key: str | None, sku: str | None, status: str | None
) -> Select[str, str, datetime, datetime]:
    statement = (
        select(
            ProductVariant.data,
            ProductStyle.status,
            ProductVariant.created_at,
            ProductVariant.updated_at,
        )
        .join(ProductStyle, ProductStyle.id == ProductVariant.style_id)
        .where(ProductVariant.seller_id == seller_id)
    )
    if style_key is not None:
        statement = statement.where(ProductStyle.style_key == style_key)
    if sku is not None:
        statement = statement.where(ProductVariant.sku == sku)
    if status is not None:
        statement = statement.where(ProductStyle.status == status)
    return statement


async def list_variants(
    session: AsyncSession,
    seller_id: int,
    *,
    style_key: str | None,
    sku: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[str, str, datetime, datetime]], int]:
    listing = _listing(seller_id, style_key, sku, status)
    total_statement = select(func.count()).select_from(listing.subquery())
    total = (await session.execute(total_statement)).scalar_one()
    page = listing.order_by(ProductVariant.id).offset(offset).limit(limit)
    rows = [(row[0], row[1], row[2], row[3]) for row in await session.execute(page)]
    return rows, total


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
    """Delete a variant, and its style when it was the style's last variant."""
    await session.execute(delete(ProductVariant).where(ProductVariant.id == variant_id))
    remaining = select(ProductVariant.id).where(ProductVariant.style_id == style_id).limit(1)
    if (await session.execute(remaining)).first() is None:
        await session.execute(delete(ProductStyle).where(ProductStyle.id == style_id))
