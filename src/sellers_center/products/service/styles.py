"""What the lifecycle asks of styles: find and lock them, set their statuses and rejections,
the review queues and listings, and what keeps their variants from being sold. Statuses are
opaque strings here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.products.repository import prices as price_rows
from sellers_center.products.repository import styles as style_rows
from sellers_center.products.repository import variants as variant_rows
from sellers_center.products.repository.styles import StoredStyle, StyleEntry, StyleSummary
from sellers_center.products.rules.completeness import sale_gaps


async def styles(
    session: AsyncSession, seller_id: int, style_keys: Iterable[str], *, lock: bool = False
) -> dict[str, StoredStyle]:
    """The seller's styles with these keys, by key; ``lock`` holds them until the transaction
    ends (taken in key order)."""
    found = await style_rows.load_styles(session, seller_id, style_keys, lock=lock)
    return {style.style_key: style for style in found}


async def set_style_statuses(
    session: AsyncSession, statuses: Mapping[int, str], now: datetime
) -> None:
    """Give each style (by id) its new status."""
    await style_rows.set_statuses(session, statuses, now)


async def set_style_rejection(
    session: AsyncSession, style_id: int, reasons: Sequence[str], message: str | None
) -> None:
    await style_rows.set_rejection(session, style_id, reasons, message)


async def lock_styles_in_status(
    session: AsyncSession, status: str, limit: int
) -> list[StoredStyle]:
    """Up to ``limit`` styles in ``status``, locked; concurrent callers skip them."""
    return await style_rows.lock_styles_in_status(session, status, limit)


async def styles_in_status(
    session: AsyncSession, status: str, seller_id: int | None
) -> list[StyleSummary]:
    return await style_rows.styles_in_status(session, status, seller_id)


async def style_page(
    session: AsyncSession,
    seller_id: int,
    status: str,
    *,
    style_key: str | None,
    offset: int,
    limit: int,
) -> tuple[list[StyleEntry], int]:
    return await style_rows.style_page(
        session, seller_id, status, style_key=style_key, offset=offset, limit=limit
    )


async def sale_gaps_of_styles(
    session: AsyncSession, style_ids: Iterable[int]
) -> dict[int, list[str]]:
    """What keeps each style's variants from being sold (SKU order), by style id."""
    inputs = await variant_rows.sale_inputs_of_styles(session, style_ids)
    stored = await price_rows.rows_of(session, [variant.id for variant in inputs])
    gaps: dict[int, list[str]] = {}
    for variant in inputs:
        priced = {
            row.country_code for row in stored.get(variant.id, []) if row.retail_price is not None
        }
        found = sale_gaps(variant.sku, variant.countries, priced, has_images=variant.has_images)
        gaps.setdefault(variant.style_id, []).extend(found)
    return gaps


async def styles_with_unsellable_variants(
    session: AsyncSession, style_ids: Sequence[int]
) -> set[int]:
    return await variant_rows.styles_with_unsellable_variants(session, style_ids)
