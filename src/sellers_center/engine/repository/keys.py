"""Idempotency keys: each seller's key claimed by one request, the batch it stands for, expiry.

A key is claimed by one atomic insert on its primary key ``(seller_id, key)``, never by a check
and then an insert: of two requests racing with the same key, the second's insert waits for the
first's transaction (PostgreSQL) or its write lock (SQLite) and then finds the key taken.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import statements
from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import IdempotencyKey

# Expired keys deleted per statement, so one pass never holds the write lock for long.
KEY_PURGE_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What a key was first used for."""

    kind: str
    request_hash: str
    batch_id: uuid.UUID | None


async def claim_key(
    session: AsyncSession,
    *,
    seller_id: int,
    key: str,
    kind: str,
    request_hash: str,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """Take ``key`` for this request, or take it over once it has expired; False while another
    request holds it."""
    values = {
        "seller_id": seller_id,
        "key": key,
        "kind": kind,
        "request_hash": request_hash,
        "batch_id": None,
        "created_at": now,
        "expires_at": expires_at,
    }
    statement = (
        statements.insert(IdempotencyKey, dialect_name(session))
        .values(**values)
        .on_conflict_do_update(
            index_elements=["seller_id", "key"],
            set_={
                name: value for name, value in values.items() if name not in ("seller_id", "key")
            },
            where=IdempotencyKey.expires_at <= now,
        )
        .returning(IdempotencyKey.key)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def find_key(session: AsyncSession, *, seller_id: int, key: str) -> StoredKey | None:
    statement = select(
        IdempotencyKey.kind, IdempotencyKey.request_hash, IdempotencyKey.batch_id
    ).where(IdempotencyKey.seller_id == seller_id, IdempotencyKey.key == key)
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else StoredKey(row.kind, row.request_hash, row.batch_id)


async def bind_key(session: AsyncSession, *, seller_id: int, key: str, batch_id: uuid.UUID) -> None:
    """Record the batch a key claimed in this transaction stands for."""
    statement = (
        update(IdempotencyKey)
        .where(IdempotencyKey.seller_id == seller_id, IdempotencyKey.key == key)
        .values(batch_id=batch_id)
    )
    await session.execute(statement)


async def purge_expired_keys(session: AsyncSession, *, now: datetime) -> int:
    """Delete up to ``KEY_PURGE_CHUNK`` keys whose window has passed."""
    expired = (
        select(IdempotencyKey.seller_id, IdempotencyKey.key)
        .where(IdempotencyKey.expires_at <= now)
        .order_by(IdempotencyKey.expires_at)
        .limit(KEY_PURGE_CHUNK)
    )
    statement = delete(IdempotencyKey).where(
        tuple_(IdempotencyKey.seller_id, IdempotencyKey.key).in_(expired)
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
