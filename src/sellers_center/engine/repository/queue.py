"""The queue's SQL: claims, leases, finishing, retries, expiry, retention. Every state change is
one atomic statement guarded by status."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Update,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import Batch, BatchPayload, BatchResult, IdempotencyKey
from sellers_center.engine.status import CLAIMABLE, RequestStatus
from sellers_center.telemetry.metrics import QueueState

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
    seller_id: int
    kind: str
    status: RequestStatus
    attempts: int


# The statuses written out, not bound: PostgreSQL uses a partial index only when it can prove
# its condition from the query, which a prepared statement's generic plan cannot with parameters.
_CLAIMABLE_LITERAL = Batch.status.in_([literal_column(f"'{status}'") for status in CLAIMABLE])


def _now() -> ColumnElement[datetime]:
    """The statement's time, bound when it runs (for statements built once)."""
    return bindparam("now", type_=Batch.available_at.type)


def _owner() -> ColumnElement[str]:
    """The worker's name, bound when it runs (for statements built once)."""
    return bindparam("owner", type_=Batch.lease_owner.type)


# For the statements built once: SQLAlchemy's default for an ORM UPDATE would bring Batch
# objects of the session up to date by evaluating the SET clause in Python, which reads a
# bound parameter as None. No caller holds Batch objects across these statements.
_UNSYNCHRONISED = {"synchronize_session": False}


def _oldest_claimable() -> Select[uuid.UUID]:
    """Strict arrival order (ix_batches_claimable): the fallback when every seller's head is
    locked by a claimer."""
    return (
        select(Batch.id)
        .where(_CLAIMABLE_LITERAL, Batch.available_at <= _now())
        .order_by(Batch.available_at, Batch.id)
        .limit(1)
    )


def _fairest_claimable(*, postgresql: bool) -> Select[uuid.UUID]:
    """Round robin across sellers: each seller's oldest claimable batch (its head) competes,
    and the seller whose last claim is the longest ago (or who never had one) goes first. One
    seller's thousands of batches therefore delay another seller's batch by one claim, whatever
    the number of workers.
    """
    heads = _seller_heads_postgresql() if postgresql else _seller_heads()
    earlier = aliased(Batch, name="earlier")
    last_claimed = (
        select(func.max(earlier.started_at))
        .where(earlier.seller_id == heads.c.seller_id)
        .scalar_subquery()
    )
    return (
        select(Batch.id)
        .join(heads, heads.c.id == Batch.id)
        # Checked again on the locked row itself: when a concurrent claimer took a head after
        # this statement began, PostgreSQL re-reads the row and moves on to the next head.
        .where(_CLAIMABLE_LITERAL, Batch.available_at <= _now())
        .order_by(last_claimed.asc().nulls_first(), heads.c.available_at, heads.c.id)
        .limit(1)
    )


def _seller_heads() -> Subquery:
    """Every seller's head, from one pass over the claimable rows (a window function): simple,
    and its cost grows with the queue's depth, which the embedded profile keeps small."""
    rank = (
        func.row_number()
        .over(partition_by=Batch.seller_id, order_by=(Batch.available_at, Batch.id))
        .label("rank")
    )
    ranked = (
        select(Batch.id, Batch.seller_id, Batch.available_at, rank)
        .where(Batch.status.in_(CLAIMABLE), Batch.available_at <= _now())
        .subquery("ranked")
    )
    return (
        select(ranked.c.id, ranked.c.seller_id, ranked.c.available_at)
        .where(ranked.c.rank == 1)
        .subquery("heads")
    )


def _seller_heads_postgresql() -> Subquery:
    """Every seller's head in one index probe per waiting seller, whatever the queue's depth:
    a recursive skip scan finds the sellers with claimable batches (ix_batches_seller_queue),
    then a lateral lookup takes each one's oldest. bench/claims.py: a claim stays at 2.9-3.6 ms
    from 1,000 to 50,000 queued batches, where the window function grows to 37 ms."""
    claimable = _CLAIMABLE_LITERAL
    first = select(Batch.seller_id).where(claimable).order_by(Batch.seller_id).limit(1)
    waiting = first.cte("waiting_sellers", recursive=True)
    following = (
        select(Batch.seller_id)
        .where(claimable, Batch.seller_id > waiting.c.seller_id)
        .order_by(Batch.seller_id)
        .limit(1)
        .scalar_subquery()
    )
    waiting = waiting.union_all(
        select(following.label("seller_id")).where(waiting.c.seller_id.is_not(None))
    )
    head = (
        select(Batch.id, Batch.available_at)
        .where(Batch.seller_id == waiting.c.seller_id, claimable, Batch.available_at <= _now())
        .order_by(Batch.available_at, Batch.id)
        .limit(1)
        .lateral("head")
    )
    return (
        select(head.c.id, waiting.c.seller_id, head.c.available_at)
        .select_from(waiting)
        .join(head, true())
        .subquery("heads")
    )


async def claim_next(
    session: AsyncSession, *, owner: str, now: datetime, lease_until: datetime
) -> ClaimedBatch | None:
    """Take the next batch under a lease: the fairest one across sellers, in one UPDATE.

    On PostgreSQL candidates are locked with SKIP LOCKED, so concurrent claimers never wait for
    each other; when every seller's head is being claimed by someone else, the oldest unlocked
    batch is taken instead, so no worker idles while batches wait.
    """
    parameters = {"owner": owner, "now": now, "lease_until": lease_until}
    for statement in _claims(postgresql=dialect_name(session) == "postgresql"):
        claimed = await _claim(session, statement, parameters)
        if claimed is not None:
            return claimed
    return None


@functools.cache
def _claims(*, postgresql: bool) -> tuple[Update, ...]:
    """A database's claim statements, in the order they are tried, built once: building one
    took more Python time than SQLite took to run it, and a statement built once also keeps its
    SQLAlchemy cache key. Bound when run: ``now``, ``owner``, ``lease_until``."""
    if not postgresql:
        return (_claim_statement(_fairest_claimable(postgresql=False)),)
    return tuple(
        _claim_statement(candidate.with_for_update(skip_locked=True, of=Batch))
        for candidate in (_fairest_claimable(postgresql=True), _oldest_claimable())
    )


def _claim_statement(candidate: Select[uuid.UUID]) -> Update:
    """Lease the batch ``candidate`` chooses, if it is still claimable."""
    return (
        update(Batch)
        .where(Batch.id == candidate.scalar_subquery(), Batch.status.in_(CLAIMABLE))
        .values(
            status=RequestStatus.PROCESSING,
            attempts=Batch.attempts + 1,
            lease_owner=_owner(),
            lease_expires_at=bindparam("lease_until", type_=Batch.lease_expires_at.type),
            started_at=_now(),
        )
        .returning(Batch.id, Batch.seller_id, Batch.kind, Batch.attempts)
        .execution_options(**_UNSYNCHRONISED)
    )


async def _claim(
    session: AsyncSession, statement: Update, parameters: Mapping[str, object]
) -> ClaimedBatch | None:
    row = (await session.execute(statement, parameters)).one_or_none()
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
    counts: tuple[int, int],
    now: datetime,
    error: str | None = None,
) -> bool:
    """Make a batch final with its result items and their ``(succeeded, failed)`` counts,
    only if ``owner`` still holds it.

    ``owner=None`` finishes a batch nobody holds any more (an expired lease).
    """
    parameters = {
        "batch_id": batch_id,
        "owner": owner,
        "now": now,
        "final_status": status,
        "error": error,
        "succeeded_items": counts[0],
        "failed_items": counts[1],
    }
    finished = await session.execute(_finish_statement(held=owner is not None), parameters)
    if finished.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(_RESULT_INSERT, {"batch_id": batch_id, "result_items": items})
    return True


@functools.cache
def _finish_statement(*, held: bool) -> Update:
    """The UPDATE of ``finish``, built once (as the claims are). Bound when run: ``batch_id``,
    ``owner`` (when ``held``), ``now``, ``final_status``, ``error``, ``succeeded_items``,
    ``failed_items``."""
    now = _now()
    return (
        update(Batch)
        .where(
            Batch.id == bindparam("batch_id", type_=Batch.id.type),
            Batch.status == RequestStatus.PROCESSING,
            _holder(_owner() if held else None, now),
        )
        .values(
            status=bindparam("final_status", type_=Batch.status.type),
            dedup_key=None,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=now,
            last_error=bindparam("error", type_=Batch.last_error.type),
            succeeded=bindparam("succeeded_items", type_=Batch.succeeded.type),
            failed=bindparam("failed_items", type_=Batch.failed.type),
        )
        .execution_options(**_UNSYNCHRONISED)
    )


_RESULT_INSERT = insert(BatchResult).values(
    batch_id=bindparam("batch_id", type_=BatchResult.batch_id.type),
    items=bindparam("result_items", type_=BatchResult.items.type),
)


async def release_for_retry(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    owner: str | None,
    available_at: datetime,
    error: str,
    now: datetime,
    count_attempt: bool = True,
) -> bool:
    """Give a held (or lease-expired, when ``owner`` is None) batch back to the queue.

    ``count_attempt=False`` takes back the attempt the claim counted (a worker shutting down
    did not fail the batch).
    """
    statement = (
        update(Batch)
        .where(
            Batch.id == batch_id,
            Batch.status == RequestStatus.PROCESSING,
            _holder(owner, now),
        )
        .values(
            status=RequestStatus.RETRY,
            attempts=Batch.attempts if count_attempt else Batch.attempts - 1,
            lease_owner=None,
            lease_expires_at=None,
            available_at=available_at,
            last_error=error,
        )
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _holder(
    owner: str | ColumnElement[str] | None, now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """The lease condition: held by ``owner``, or (``owner`` None) expired for anybody."""
    return Batch.lease_owner == owner if owner is not None else Batch.lease_expires_at < now


async def expired_leases(session: AsyncSession, *, now: datetime) -> list[BatchRow]:
    statement = (
        select(Batch.id, Batch.seller_id, Batch.kind, Batch.status, Batch.attempts)
        .where(Batch.status == RequestStatus.PROCESSING, Batch.lease_expires_at < now)
        .order_by(Batch.lease_expires_at)
        .limit(EXPIRY_CHUNK)
    )
    rows = (await session.execute(statement)).all()
    return [
        BatchRow(row.id, row.seller_id, row.kind, RequestStatus(row.status), row.attempts)
        for row in rows
    ]


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
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.batch_id.in_(ids)))
    await session.execute(delete(BatchResult).where(BatchResult.batch_id.in_(ids)))
    await session.execute(delete(BatchPayload).where(BatchPayload.batch_id.in_(ids)))
    await session.execute(delete(Batch).where(Batch.id.in_(ids)))
    return len(ids)


async def queue_states(session: AsyncSession) -> list[QueueState]:
    """Open batches per kind and status, with the oldest one's arrival (for /metrics)."""
    statement = (
        select(Batch.kind, Batch.status, func.count(), func.min(Batch.created_at))
        .where(Batch.status.in_((*CLAIMABLE, RequestStatus.PROCESSING)))
        .group_by(Batch.kind, Batch.status)
        .order_by(Batch.kind, Batch.status)
    )
    rows = await session.execute(statement)
    return [QueueState(kind, status, count, oldest) for kind, status, count, oldest in rows]
