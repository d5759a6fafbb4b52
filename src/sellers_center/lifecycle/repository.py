"""All SQL of the lifecycle: the history of status changes. Styles and their statuses are stored
by products (``products.service``), which the lifecycle asks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.tables import StyleStatusChange


@dataclass(frozen=True, slots=True)
class StatusChange:
    style_id: int
    from_status: str | None
    to_status: str
    cause: str
    detail: str | None = None
    batch_id: uuid.UUID | None = None


async def insert_history(
    session: AsyncSession, changes: Sequence[StatusChange], now: datetime
) -> None:
    """Every change into the history, in order, as one executemany."""
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


async def history(session: AsyncSession, style_id: int) -> list[StyleStatusChange]:
    statement = (
        select(StyleStatusChange)
        .where(StyleStatusChange.style_id == style_id)
        .order_by(StyleStatusChange.id)
    )
    return list((await session.execute(statement)).scalars())
