"""All SQL of the lifecycle: styles locked for a status change, history, review queues."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import ProductStyle, ProductVariant, Seller, StyleStatusChange

# Styles promoted from pending_active to active per maintenance pass.
ACTIVATION_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StyleRow:
    id: int
    seller_id: int
    style_key: str
    status: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    style_id: int
    from_status: str | None
    to_status: str
    cause: str
    detail: str | None = None
    batch_id: uuid.UUID | None = None


_STYLE_COLUMNS = (
    ProductStyle.id,
    ProductStyle.seller_id,
    ProductStyle.style_key,
    ProductStyle.status,
)


async def find_styles(
    session: AsyncSession, seller_id: int, style_keys: Iterable[str], *, lock: bool = False
) -> dict[str, StyleRow]:
    """The seller's styles with these keys. ``lock`` holds them until the transaction ends
    (PostgreSQL; SQLite's write transaction is exclusive anyway), taken in key order so two
    lockers never deadlock."""
    statement = (
        select(*_STYLE_COLUMNS)
        .where(ProductStyle.seller_id == seller_id, ProductStyle.style_key.in_(set(style_keys)))
        .order_by(ProductStyle.style_key)
    )
    if lock:
        statement = statement.with_for_update()
    return {row.style_key: StyleRow(*row) for row in await session.execute(statement)}


async def variant_data(session: AsyncSession, style_ids: Iterable[int]) -> dict[int, list[str]]:
    """The stored items (JSON text) of every variant of these styles, by style id."""
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


async def record_changes(
    session: AsyncSession, changes: Sequence[StatusChange], now: datetime
) -> None:
    """Write each style's last new status and every change into the history."""
    if not changes:
        return
    history = [
        {
            "style_id": change.style_id,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "cause": change.cause,
            "detail": change.detail,
            "batch_id": change.batch_id,
            "changed_at": now,
        }
        for change in changes
    ]
    await session.execute(insert(StyleStatusChange.__table__), history)  # type: ignore[arg-type]
    final = {change.style_id: change.to_status for change in changes}
    table = ProductStyle.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("style"))
        .values(status=bindparam("to"), status_changed_at=now, updated_at=now)
    )
    rows = [{"style": style_id, "to": status} for style_id, status in final.items()]
    await session.execute(statement, rows)


async def set_rejection(
    session: AsyncSession, style_id: int, reasons: Sequence[str], message: str | None
) -> None:
    statement = (
        update(ProductStyle)
        .where(ProductStyle.id == style_id)
        .values(rejection_reasons=",".join(reasons), rejection_message=message)
    )
    await session.execute(statement)


async def lock_styles_in_status(session: AsyncSession, status: str) -> list[StyleRow]:
    """Up to ``ACTIVATION_CHUNK`` styles in ``status``, locked; other workers skip them."""
    statement = (
        select(*_STYLE_COLUMNS)
        .where(ProductStyle.status == status)
        .order_by(ProductStyle.id)
        .limit(ACTIVATION_CHUNK)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [StyleRow(*row) for row in await session.execute(statement)]


async def styles_in_status(
    session: AsyncSession, status: str, seller_id: int | None
) -> list[tuple[str, str, int, datetime | None]]:
    """(seller name, style key, variant count, since) of the styles in ``status``."""
    statement = (
        select(
            Seller.name,
            ProductStyle.style_key,
            func.count(ProductVariant.id),
            ProductStyle.status_changed_at,
        )
        .join(Seller, Seller.id == ProductStyle.seller_id)
        .outerjoin(ProductVariant, ProductVariant.style_id == ProductStyle.id)
        .where(ProductStyle.status == status)
        .group_by(Seller.name, ProductStyle.id)
        .order_by(ProductStyle.status_changed_at, ProductStyle.id)
    )
    if seller_id is not None:
        statement = statement.where(ProductStyle.seller_id == seller_id)
    return [(row[0], row[1], row[2], row[3]) for row in await session.execute(statement)]


async def history(session: AsyncSession, style_id: int) -> list[StyleStatusChange]:
    statement = (
        select(StyleStatusChange)
        .where(StyleStatusChange.style_id == style_id)
        .order_by(StyleStatusChange.id)
    )
    return list((await session.execute(statement)).scalars())


async def rejected_page(
    session: AsyncSession, seller_id: int, style_key: str | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Rejected styles of a seller with their SKUs: two queries, whatever the page size."""
    filters = [ProductStyle.seller_id == seller_id, ProductStyle.status == "rejected"]
    if style_key is not None:
        filters.append(ProductStyle.style_key == style_key)
    total = (
        await session.execute(select(func.count()).select_from(ProductStyle).where(*filters))
    ).scalar_one()
    statement = (
        select(
            ProductStyle.id,
            ProductStyle.style_key,
            ProductStyle.rejection_reasons,
            ProductStyle.rejection_message,
            ProductStyle.status_changed_at,
        )
        .where(*filters)
        .order_by(ProductStyle.status_changed_at.desc(), ProductStyle.id)
        .offset(offset)
        .limit(limit)
    )
    styles = [dict(row._mapping) for row in await session.execute(statement)]
    skus = select(ProductVariant.style_id, ProductVariant.sku).where(
        ProductVariant.style_id.in_([style["id"] for style in styles])
    )
    by_style: dict[int, list[str]] = {}
    for style_id, sku in await session.execute(skus.order_by(ProductVariant.sku)):
        by_style.setdefault(style_id, []).append(sku)
    for style in styles:
        style["skus"] = by_style.get(style["id"], [])
    return styles, total
