"""All SQL of the batch engine. Every state change is one atomic statement guarded by status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import Batch, BatchPayload, BatchResult
from sellers_center.engine.status import CLAIMABLE, RequestStatus

# Retention deletes in chunks so one purge never holds the write lock for long.
PURGE_CHUNK = 500
# Expired leases handled per maintenance pass; the rest wait for the next pass.
EXPIRY_CHUNK = 100


@dataclass(frozen=True, slots=True)
class ClaimedBatch:
    id: uuid.UUID
    seller_id: int
    kind: str
    attempts: int


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: uuid.UUID
    status: RequestStatus
    attempts: int


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
    values = {
        "id": batch_id,
        "seller_id": seller_id,
        "kind": kind,
        "status": RequestStatus.PENDING,
        "item_count": item_count,
        "dedup_key": dedup_key,
        "attempts": 0,
        "available_at": now,
        "created_at": now,
    }
    dialect_insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(Batch)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["seller_id", "kind", "dedup_key"])
        .returning(Batch.id)
    )
    if (await session.execute(statement)).scalar_one_or_none() is None:
        return False
    await session.execute(insert(BatchPayload).values(batch_id=batch_id, body=body))
    return True


async def find_open_duplicate(
    session: AsyncSession, *, seller_id: int, kind: str, dedup_key: str
) -> uuid.UUID | None:
    statement = select(Batch.id).where(
        Batch.seller_id == seller_id, Batch.kind == kind, Batch.dedup_key == dedup_key
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def find_batch(
    session: AsyncSession, *, batch_id: uuid.UUID, seller_id: int, kind: str
) -> tuple[RequestStatus, bytes | None] | None:
    """A batch's status and, when final, its stored result items; one indexed read."""
    statement = (
        select(Batch.status, BatchResult.items)
        .outerjoin(BatchResult, BatchResult.batch_id == Batch.id)
        .where(Batch.id == batch_id, Batch.seller_id == seller_id, Batch.kind == kind)
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (RequestStatus(row.status), row.items)


async def load_payload(session: AsyncSession, batch_id: uuid.UUID) -> bytes:
    statement = select(BatchPayload.body).where(BatchPayload.batch_id == batch_id)
    return (await session.execute(statement)).scalar_one()


def _next_claimable(now: datetime, *, skip_locked: bool) -> Select[uuid.UUID]:
    statement = (
        select(Batch.id)
        .where(Batch.status.in_(CLAIMABLE), Batch.available_at <= now)
        .order_by(Batch.available_at, Batch.id)
        .limit(1)
    )
    return statement.with_for_update(skip_locked=True) if skip_locked else statement


async def claim_next(
    session: AsyncSession, *, owner: str, now: datetime, lease_until: datetime
) -> ClaimedBatch | None:
    """Take the oldest claimable batch under a lease, in one UPDATE ... RETURNING."""
    is_postgresql = dialect_name(session) == "postgresql"
    candidate = _next_claimable(now, skip_locked=is_postgresql).scalar_subquery()
    statement = (
        update(Batch)
        .where(Batch.id == candidate, Batch.status.in_(CLAIMABLE))
        .values(
            status=RequestStatus.PROCESSING,
            attempts=Batch.attempts + 1,
            lease_owner=owner,
            lease_expires_at=lease_until,
            started_at=now,
        )
        .returning(Batch.id, Batch.seller_id, Batch.kind, Batch.attempts)
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else ClaimedBatch(row.id, row.seller_id, row.kind, row.attempts)


async def renew_lease(
    session: AsyncSession, *, batch_id: uuid.UUID, owner: str, lease_until: datetime
) -> bool:
    statement = (
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.lease_owner == owner,
            Batch.status == RequestStatus.PROCESSING,
        )
        .values(lease_expires_at=lease_until)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def finish(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    owner: str | None,
    status: RequestStatus,
    items: bytes,
    now: datetime,
    error: str | None = None,
) -> bool:
    """Make a batch final with its result items, only if ``owner`` still holds it.

    ``owner=None`` finishes a batch nobody holds any more (an expired lease).
    """
    statement = (
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.status == RequestStatus.PROCESSING,
            _holder(owner, now),
        )
        .values(
            status=status,
            dedup_key=None,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=now,
            last_error=error,
        )
    )
    if (await session.execute(statement)).rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(insert(BatchResult).values(batch_id=batch_id, items=items))
    return True


async def release_for_retry(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    owner: str | None,
    available_at: datetime,
    error: str,
    now: datetime,
) -> bool:
    """Give a held (or lease-expired, when ``owner`` is None) batch back to the queue."""
    statement = (
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.status == RequestStatus.PROCESSING,
            _holder(owner, now),
        )
        .values(
            status=RequestStatus.RETRY,
            lease_owner=None,
            lease_expires_at=None,
            available_at=available_at,
            last_error=error,
        )
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _holder(owner: str | None, now: datetime) -> ColumnElement[bool]:
    """The lease condition: held by ``owner``, or (``owner`` None) expired for anybody."""
    return Batch.lease_owner == owner if owner is not None else Batch.lease_expires_at < now


async def expired_leases(session: AsyncSession, *, now: datetime) -> list[BatchRow]:
    statement = (
        select(Batch.id, Batch.status, Batch.attempts)
        .where(Batch.status == RequestStatus.PROCESSING, Batch.lease_expires_at < now)
        .order_by(Batch.lease_expires_at)
        .limit(EXPIRY_CHUNK)
    )
    rows = (await session.execute(statement)).all()
    return [BatchRow(row.id, RequestStatus(row.status), row.attempts) for row in rows]


async def purge_finished_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete up to ``PURGE_CHUNK`` final batches that ended before ``cutoff``."""
    chunk = (
        select(Batch.id)
        .where(Batch.finished_at < cutoff)
        .order_by(Batch.finished_at)
        .limit(PURGE_CHUNK)
    )
    ids = list((await session.execute(chunk)).scalars())
    if not ids:
        return 0
    # Children first: SQLite only cascades when foreign keys are on, PostgreSQL always.
    await session.execute(delete(BatchResult).where(BatchResult.batch_id.in_(ids)))
    await session.execute(delete(BatchPayload).where(BatchPayload.batch_id.in_(ids)))
    await session.execute(delete(Batch).where(Batch.id.in_(ids)))
    return len(ids)
