"""The SQL of variants as sellers see them listed: a page of them, or some by SKU, each with its
style's status and its prices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.tables import ProductStyle, ProductVariant
from sellers_center.products.repository import prices
from sellers_center.products.repository.prices import PriceRow
from sellers_center.products.repository.variants import countries_of
from sellers_center.products.variant import Variant, VariantPrice


@dataclass(frozen=True, slots=True)
class ListedVariant:
    variant: Variant
    status: str
    """Its style's status."""
    created_at: datetime
    updated_at: datetime
    quantity_fbm: int | None = None
    """Units in the marketplace's warehouse; None when the seller has none there."""


_LISTED = (
    ProductVariant.id,
    ProductStyle.style_key,
    ProductVariant.sku,
    ProductVariant.ean,
    ProductVariant.brand,
    ProductVariant.category,
    ProductVariant.color,
    ProductVariant.size,
    ProductVariant.second_size,
    ProductVariant.quantity,
    ProductVariant.quantity_fbm,
    ProductVariant.countries,
    ProductVariant.details,
    ProductStyle.status,
    ProductVariant.created_at,
    ProductVariant.updated_at,
)


def _listing(
    seller_id: int, style_key: str | None, sku: str | None, status: str | None
) -> Select[*tuple[Any, ...]]:
    statement = (
        select(*_LISTED)
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
) -> tuple[list[ListedVariant], int]:
    """A page of the seller's variants in the order they were first stored, and how many
    there are: a count, the page and its prices, whatever the page size."""
    listing = _listing(seller_id, style_key, sku, status)
    total_statement = select(func.count()).select_from(listing.subquery())
    total = (await session.execute(total_statement)).scalar_one()
    page = list(
        await session.execute(listing.order_by(ProductVariant.id).offset(offset).limit(limit))
    )
    stored_prices = await prices.rows_of(session, [row.id for row in page])
    return [_listed(row, stored_prices.get(row.id, [])) for row in page], total


async def variants_by_sku(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, ListedVariant]:
    """The seller's variants with these SKUs, by SKU, each with its style's status."""
    statement = (
        select(*_LISTED)
        .join(ProductStyle, ProductStyle.id == ProductVariant.style_id)
        .where(ProductVariant.seller_id == seller_id, ProductVariant.sku.in_(set(skus)))
    )
    rows = list(await session.execute(statement))
    stored_prices = await prices.rows_of(session, [row.id for row in rows])
    return {row.sku: _listed(row, stored_prices.get(row.id, [])) for row in rows}


def _listed(row: Any, price_rows: Sequence[PriceRow]) -> ListedVariant:
    return ListedVariant(
        _variant(row, price_rows), row.status, row.created_at, row.updated_at, row.quantity_fbm
    )


def _variant(row: Any, price_rows: Sequence[PriceRow]) -> Variant:
    return Variant(
        sku=row.sku,
        style_key=row.style_key,
        ean=row.ean,
        brand=row.brand,
        category=row.category,
        color=row.color,
        size=row.size,
        second_size=row.second_size,
        quantity=row.quantity,
        countries=countries_of(row.countries),
        prices=tuple(
            VariantPrice(price.country_code, price.retail_price, price.sale_price)
            for price in price_rows
            if price.retail_price is not None
        ),
        details=from_json(row.details),
    )
