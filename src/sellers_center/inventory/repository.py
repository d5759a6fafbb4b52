"""All SQL of stock and price batches: one read and one write statement per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.tables import ProductVariant


@dataclass
class VariantState:
    id: int
    sku: str
    data: str
    stock_valid_at: datetime | None
    price_valid_at: str | None


async def load_variants(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, VariantState]:
    """The variants a batch updates, locked until it commits (PostgreSQL).

    Staleness is decided on what is read here, so a concurrent batch must not change these rows
    in between; locks are taken in SKU order, like the product upsert's, so batches never
    deadlock.
    """
    statement = select(
        ProductVariant.id,
        ProductVariant.sku,
        ProductVariant.data,
        ProductVariant.stock_valid_at,
        ProductVariant.price_valid_at,
    ).where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(set(skus)))
    statement = statement.order_by(ProductVariant.sku).with_for_update()
    return {row.sku: VariantState(*row) for row in await session.execute(statement)}


async def save_variants(
    session: AsyncSession, variants: Sequence[VariantState], now: datetime
) -> None:
    """Write back data and validity times of the changed variants, as one executemany."""
    if not variants:
        return
    table = ProductVariant.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("variant"))
        .values(
            data=bindparam("new_data"),
            stock_valid_at=bindparam("stock_time"),
            price_valid_at=bindparam("price_times"),
            updated_at=now,
        )
    )
    rows: list[dict[str, Any]] = [
        {
            "variant": variant.id,
            "new_data": variant.data,
            "stock_time": variant.stock_valid_at,
            "price_times": variant.price_valid_at,
        }
        for variant in variants
    ]
    await session.execute(statement, rows)
