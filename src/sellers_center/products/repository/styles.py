"""All SQL about styles: finding and locking them, creating them, their status and rejection
(opaque strings here: the lifecycle decides what they mean), and the style listings."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import ProductStyle, ProductVariant


@dataclass(frozen=True, slots=True)
class StoredStyle:
    id: int
    seller_id: int
    style_key: str
    status: str


@dataclass(frozen=True, slots=True)
class StyleSummary:
    """A style in a review queue: how many variants it has and since when it is in its status."""

    seller_id: int
    style_key: str
    variants: int
    since: datetime | None


@dataclass(frozen=True, slots=True)
class StyleEntry:
    """A style in a seller's listing by status, with its SKUs and its last rejection."""

    id: int
    style_key: str
    skus: list[str]
    rejection_reasons: list[str]
    rejection_message: str | None
    status_changed_at: datetime | None


_STYLE_COLUMNS = (
    ProductStyle.id,
    ProductStyle.seller_id,
    ProductStyle.style_key,
    ProductStyle.status,
)


async def load_styles(
    session: AsyncSession, seller_id: int, style_keys: Iterable[str], *, lock: bool
) -> list[StoredStyle]:
    """The seller's styles with these keys, in key order. ``lock`` holds them until the
    transaction ends (PostgreSQL; SQLite's write transaction is exclusive anyway): taken in key
    order, so two lockers never deadlock."""
    parameters = {"seller_id": seller_id, "style_keys": list(set(style_keys))}
    rows = await session.execute(_styles_statement(lock=lock), parameters)
    return [StoredStyle(*row) for row in rows]


@functools.cache
def _styles_statement(*, lock: bool) -> Select[int, int, str, str]:
    """The SELECT of ``load_styles``, built once (run twice per products batch): building it
    and its cache key anew each time is Python work SQLAlchemy skips for a statement it has
    seen. Bound when run: ``seller_id``, ``style_keys`` (a list)."""
    statement = (
        select(*_STYLE_COLUMNS)
        .where(
            ProductStyle.seller_id == bindparam("seller_id"),
            ProductStyle.style_key.in_(bindparam("style_keys", expanding=True)),
        )
        .order_by(ProductStyle.style_key)
    )
    return statement.with_for_update() if lock else statement


async def insert_styles(
    session: AsyncSession, seller_id: int, style_keys: Sequence[str], status: str, now: datetime
) -> dict[str, int]:
    """Create styles; their ids, by key. A cached executemany and one lookup: an INSERT with
    RETURNING ran row by row on SQLite, and a VALUES list compiled anew each batch (measured)."""
    if not style_keys:
        return {}
    rows = [
        {
            "seller_id": seller_id,
            "style_key": key,
            "status": status,
            "created_at": now,
            "updated_at": now,
        }
        for key in style_keys
    ]
    await session.execute(insert(ProductStyle.__table__), rows)  # type: ignore[arg-type]
    created = await load_styles(session, seller_id, style_keys, lock=True)
    return {style.style_key: style.id for style in created}


async def touch_styles(session: AsyncSession, style_ids: Iterable[int], now: datetime) -> None:
    ids = set(style_ids)
    if ids:
        statement = update(ProductStyle).where(ProductStyle.id.in_(ids)).values(updated_at=now)
        await session.execute(statement)


async def set_statuses(session: AsyncSession, statuses: Mapping[int, str], now: datetime) -> None:
    """Each style's new status, as one executemany."""
    if not statuses:
        return
    table = ProductStyle.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("style"))
        .values(status=bindparam("to"), status_changed_at=now, updated_at=now)
    )
    rows = [{"style": style_id, "to": status} for style_id, status in statuses.items()]
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


async def lock_styles_in_status(
    session: AsyncSession, status: str, limit: int
) -> list[StoredStyle]:
    """Up to ``limit`` styles in ``status``, oldest first, locked; other lockers skip them."""
    statement = (
        select(*_STYLE_COLUMNS)
        .where(ProductStyle.status == status)
        .order_by(ProductStyle.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return [StoredStyle(*row) for row in await session.execute(statement)]


async def styles_in_status(
    session: AsyncSession, status: str, seller_id: int | None
) -> list[StyleSummary]:
    """The styles in ``status`` (of one seller, or all), longest in it first."""
    statement = (
        select(
            ProductStyle.seller_id,
            ProductStyle.style_key,
            func.count(ProductVariant.id),
            ProductStyle.status_changed_at,
        )
        .outerjoin(ProductVariant, ProductVariant.style_id == ProductStyle.id)
        .where(ProductStyle.status == status)
        .group_by(ProductStyle.id)
        .order_by(ProductStyle.status_changed_at, ProductStyle.id)
    )
    if seller_id is not None:
        statement = statement.where(ProductStyle.seller_id == seller_id)
    return [StyleSummary(*row) for row in await session.execute(statement)]


def _in_status(seller_id: int, status: str, style_key: str | None) -> list[ColumnElement[bool]]:
    filters = [ProductStyle.seller_id == seller_id, ProductStyle.status == status]
    if style_key is not None:
        filters.append(ProductStyle.style_key == style_key)
    return filters


async def style_page(
    session: AsyncSession,
    seller_id: int,
    status: str,
    *,
    style_key: str | None,
    offset: int,
    limit: int,
) -> tuple[list[StyleEntry], int]:
    """A page of the seller's styles in ``status``, latest change first, with their SKUs: two
    queries and a count, whatever the page size."""
    filters = _in_status(seller_id, status, style_key)
    count = select(func.count()).select_from(ProductStyle).where(*filters)
    total = (await session.execute(count)).scalar_one()
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
    styles = list(await session.execute(statement))
    skus = await _skus_of(session, [style.id for style in styles])
    entries = [
        StyleEntry(
            id=style.id,
            style_key=style.style_key,
            skus=skus.get(style.id, []),
            rejection_reasons=(style.rejection_reasons or "").split(","),
            rejection_message=style.rejection_message,
            status_changed_at=style.status_changed_at,
        )
        for style in styles
    ]
    return entries, total


async def _skus_of(session: AsyncSession, style_ids: Sequence[int]) -> dict[int, list[str]]:
    statement = (
        select(ProductVariant.style_id, ProductVariant.sku)
        .where(ProductVariant.style_id.in_(style_ids))
        .order_by(ProductVariant.sku)
    )
    by_style: dict[int, list[str]] = {}
    for style_id, sku in await session.execute(statement):
        by_style.setdefault(style_id, []).append(sku)
    return by_style
