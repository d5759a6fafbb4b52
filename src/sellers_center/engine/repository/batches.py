"""The batches a seller submits: storing one, finding it again, and the seller's listing."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from sellers_center.db import statements
from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import Batch, BatchPayload, BatchResult
from sellers_center.engine.status import RequestStatus


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One batch as its seller lists it: no payload, no results."""

    id: uuid.UUID
    kind: str
    status: RequestStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    item_count: int
    succeeded: int | None
    failed: int | None


@dataclass(frozen=True, slots=True)
class BatchFilter:
    """Which of a seller's batches a listing holds; ``created_from`` and ``created_to`` are
    inclusive."""

    kind: str | None = None
    statuses: tuple[RequestStatus, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListPosition:
    """Where a page of the newest-first listing ends: the next page starts after it."""

    created_at: datetime
    id: uuid.UUID


async def insert_batch(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    seller_id: int,
    kind: str,
    dedup_key: str,
    item_count: int,
    body: bytes,
    now: datetime,
) -> bool:
    """Store a new pending batch with its payload; False when an open duplicate exists."""
    parameters = {
        "batch_id": batch_id,
        "seller_id": seller_id,
        "kind": kind,
        "item_count": item_count,
        "dedup_key": dedup_key,
        "now": now,
    }
    inserted = await session.execute(_batch_insert(dialect_name(session)), parameters)
    if inserted.scalar_one_or_none() is None:
        return False
    await session.execute(_PAYLOAD_INSERT, {"batch_id": batch_id, "body": body})
    return True


@functools.cache
def _batch_insert(dialect: str) -> ReturningInsert[tuple[uuid.UUID]]:
    """The INSERT of ``insert_batch``, built once per dialect: building it with its values on
    every submit took a third of the submit's write transaction, which holds SQLite's write
    lock (measured). Bound when run: ``batch_id``, ``seller_id``, ``kind``, ``item_count``,
    ``dedup_key``, ``now``."""
    now = bindparam("now", type_=Batch.created_at.type)
    return (
        statements.insert(Batch, dialect)
        .values(
            id=bindparam("batch_id", type_=Batch.id.type),
            seller_id=bindparam("seller_id", type_=Batch.seller_id.type),
            kind=bindparam("kind", type_=Batch.kind.type),
            status=RequestStatus.PENDING,
            item_count=bindparam("item_count", type_=Batch.item_count.type),
            dedup_key=bindparam("dedup_key", type_=Batch.dedup_key.type),
            attempts=0,
            available_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["seller_id", "kind", "dedup_key"])
        .returning(Batch.id)
    )


_PAYLOAD_INSERT = insert(BatchPayload).values(
    batch_id=bindparam("batch_id", type_=BatchPayload.batch_id.type),
    body=bindparam("body", type_=BatchPayload.body.type),
)


async def find_open_duplicate(
    session: AsyncSession, *, seller_id: int, kind: str, dedup_key: str
) -> uuid.UUID | None:
    statement = select(Batch.id).where(
        Batch.seller_id == seller_id, Batch.kind == kind, Batch.dedup_key == dedup_key
    )
    return (await session.execute(statement)).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class StoredResult:
    status: RequestStatus
    items: bytes | None
    """The stored result items once the batch is final."""
    finished_at: datetime | None


async def find_batch(
    session: AsyncSession, *, batch_id: uuid.UUID, seller_id: int, kind: str
) -> StoredResult | None:
    """A batch's status and, when final, its stored result items; one indexed read."""
    statement = (
        select(Batch.status, Batch.finished_at, BatchResult.items)
        .outerjoin(BatchResult, BatchResult.batch_id == Batch.id)
        .where(Batch.id == batch_id, Batch.seller_id == seller_id, Batch.kind == kind)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    return StoredResult(RequestStatus(row.status), row.items, row.finished_at)


async def load_payload(session: AsyncSession, batch_id: uuid.UUID) -> bytes:
    statement = select(BatchPayload.body).where(BatchPayload.batch_id == batch_id)
    return (await session.execute(statement)).scalar_one()


_SUMMARY_COLUMNS = (
    Batch.id,
    Batch.kind,
    Batch.status,
    Batch.created_at,
    Batch.started_at,
    Batch.finished_at,
    Batch.attempts,
    Batch.item_count,
    Batch.succeeded,
    Batch.failed,
)


async def list_batches(
    session: AsyncSession,
    *,
    seller_id: int,
    filters: BatchFilter,
    after: ListPosition | None,
    limit: int,
) -> list[BatchSummary]:
    """A page of the seller's batches, newest first (ties by id), after ``after``.

    One backward range scan of ix_batches_seller_created, or of ix_batches_seller_kind_created
    with a kind (tests/engine/test_batch_listing.py reads both databases' plans); a status filter
    is checked on the rows that scan reads."""
    statement = _listing(seller_id, filters)
    if after is not None:
        statement = statement.where(
            tuple_(Batch.created_at, Batch.id) < tuple_(after.created_at, after.id)
        )
    rows = await session.execute(statement.limit(limit))
    return [_summary(row) for row in rows]


def _listing(seller_id: int, filters: BatchFilter) -> Select[*tuple[Any, ...]]:
    statement = select(*_SUMMARY_COLUMNS).where(Batch.seller_id == seller_id)
    if filters.kind is not None:
        statement = statement.where(Batch.kind == filters.kind)
    if filters.statuses:
        statement = statement.where(Batch.status.in_([str(s) for s in filters.statuses]))
    if filters.created_from is not None:
        statement = statement.where(Batch.created_at >= filters.created_from)
    if filters.created_to is not None:
        statement = statement.where(Batch.created_at <= filters.created_to)
    return statement.order_by(Batch.created_at.desc(), Batch.id.desc())


async def find_summary(
    session: AsyncSession, *, seller_id: int, batch_id: uuid.UUID
) -> BatchSummary | None:
    statement = select(*_SUMMARY_COLUMNS).where(Batch.id == batch_id, Batch.seller_id == seller_id)
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else _summary(row)


def _summary(row: Row[*tuple[Any, ...]]) -> BatchSummary:
    values = dict(row._mapping)
    return BatchSummary(**{**values, "status": RequestStatus(values["status"])})
