"""All SQL of the updates other domains make to stored variants: stock (set by stock batches,
taken and given back by orders, from the seller's stock or the marketplace's warehouse) and what
price batches need to derive sellability. Variants are read locked for update in SKU order, like
the upsert's, so batches never deadlock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.tables import ProductVariant
from sellers_center.products.repository.variants import countries_of


@dataclass(frozen=True, slots=True)
class StockLevel:
    sku: str
    quantity: int | None
    valid_at: datetime | None


@dataclass(frozen=True, slots=True)
class SellabilityRow:
    """What, besides its prices, decides whether a variant can be sold."""

    id: int
    sku: str
    countries: tuple[str, ...]
    has_images: bool


async def lock_stock(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, StockLevel]:
    statement = (
        select(ProductVariant.sku, ProductVariant.quantity, ProductVariant.stock_valid_at)
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(set(skus)))
        .order_by(ProductVariant.sku)
        .with_for_update()
    )
    return {row.sku: StockLevel(*row) for row in await session.execute(statement)}


async def save_stock(
    session: AsyncSession, seller_id: int, rows: Sequence[StockLevel], now: datetime
) -> None:
    """Each SKU's quantity and stock validity, as one executemany."""
    if not rows:
        return
    table = ProductVariant.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.seller_id == bindparam("seller"), table.c.sku == bindparam("variant_sku"))
        .values(quantity=bindparam("units"), stock_valid_at=bindparam("valid"), updated_at=now)
    )
    values = [
        {"seller": seller_id, "variant_sku": row.sku, "units": row.quantity, "valid": row.valid_at}
        for row in rows
    ]
    await session.execute(statement, values)


class Warehouse(StrEnum):
    """Where the units an order takes come from."""

    SELLER = "seller"
    """The seller's own stock (``quantity``), shipped by the seller (dropshipping)."""
    MARKETPLACE = "marketplace"
    """The marketplace's warehouse (``quantity_fbm``), for fulfilment by the marketplace."""


def _stock_column(warehouse: Warehouse) -> Any:
    return ProductVariant.quantity if warehouse is Warehouse.SELLER else ProductVariant.quantity_fbm


async def take(
    session: AsyncSession,
    seller_id: int,
    sku: str,
    units: int,
    now: datetime,
    warehouse: Warehouse = Warehouse.SELLER,
) -> bool:
    """Take ``units`` from the SKU's stock in one statement, only if that many are there."""
    column = _stock_column(warehouse)
    return await _change_stock(session, seller_id, sku, -units, column >= units, now, column)


async def give_back(
    session: AsyncSession,
    seller_id: int,
    sku: str,
    units: int,
    now: datetime,
    warehouse: Warehouse = Warehouse.SELLER,
) -> bool:
    """Put ``units`` back into the SKU's stock; False when it has no counted stock."""
    column = _stock_column(warehouse)
    return await _change_stock(session, seller_id, sku, units, column.is_not(None), now, column)


async def _change_stock(
    session: AsyncSession,
    seller_id: int,
    sku: str,
    change: int,
    condition: Any,
    now: datetime,
    column: Any,
) -> bool:
    """Add ``change`` to the SKU's stock ``column`` in one statement if ``condition`` holds;
    whether it did."""
    statement = (
        update(ProductVariant)
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku == sku, condition)
        .values({column: column + change, ProductVariant.updated_at: now})
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def set_fbm_quantity(
    session: AsyncSession, seller_id: int, sku: str, quantity: int | None, now: datetime
) -> bool:
    """The SKU's units in the marketplace's warehouse; False when the seller has no such SKU."""
    statement = (
        update(ProductVariant)
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku == sku)
        .values(quantity_fbm=quantity, updated_at=now)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def lock_sellability(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, SellabilityRow]:
    statement = (
        select(
            ProductVariant.id,
            ProductVariant.sku,
            ProductVariant.countries,
            ProductVariant.has_images,
        )
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(set(skus)))
        .order_by(ProductVariant.sku)
        .with_for_update()
    )
    return {
        row.sku: SellabilityRow(row.id, row.sku, countries_of(row.countries) or (), row.has_images)
        for row in await session.execute(statement)
    }


async def save_sellability(
    session: AsyncSession, sellable: Mapping[int, bool], now: datetime
) -> None:
    """Each variant's (by id) derived sellability, as one executemany."""
    if not sellable:
        return
    table = ProductVariant.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("variant"))
        .values(is_sellable=bindparam("sellable"), updated_at=now)
    )
    values = [{"variant": key, "sellable": value} for key, value in sellable.items()]
    await session.execute(statement, values)
