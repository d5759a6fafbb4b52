"""The batch engine: batches (the queue), their payloads and their results."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sellers_center.db.tables.base import Base
from sellers_center.db.types import UTCDateTime

# Batches a worker may claim (engine/status.py CLAIMABLE), as SQL for partial indexes.
CLAIMABLE_CONDITION = "status IN ('pending', 'retry')"


class Batch(Base):
    """A submitted batch; the table is also the work queue.

    ``dedup_key`` holds the payload's hash while the batch is not final, so an identical
    resubmission finds it through the unique constraint; it is cleared when the batch ends.
    ``succeeded`` and ``failed`` count the items once, when the batch becomes final (null
    before), so listing batches never reads their results.
    """

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("seller_id", "kind", "dedup_key"),
        Index("ix_batches_queue", "status", "available_at"),
        Index("ix_batches_finished_at", "finished_at"),
        # The fair claim: every seller's oldest claimable batch, and when each seller was last
        # served.
        Index("ix_batches_seller_started", "seller_id", "started_at"),
        # Arrival order of the claimable batches: the claim's fallback, in one index step.
        Index(
            "ix_batches_claimable",
            "available_at",
            "id",
            postgresql_where=text(CLAIMABLE_CONDITION),
            sqlite_where=text(CLAIMABLE_CONDITION),
        ),
        Index(
            "ix_batches_seller_queue",
            "seller_id",
            "available_at",
            "id",
            postgresql_where=text(CLAIMABLE_CONDITION),
            sqlite_where=text(CLAIMABLE_CONDITION),
        ),
        # A seller's batches newest first (GET /api/v1/batches), with or without a kind: an
        # index scan whatever the number of batches.
        Index("ix_batches_seller_created", "seller_id", "created_at", "id"),
        Index("ix_batches_seller_kind_created", "seller_id", "kind", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    item_count: Mapped[int] = mapped_column(Integer)
    dedup_key: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    succeeded: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)


class BatchPayload(Base):
    """The request body exactly as received: the worker's input and the source of every echo."""

    __tablename__ = "batch_payloads"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)


class BatchResult(Base):
    """A final batch's ``items`` array, serialised once by the worker and served as is."""

    __tablename__ = "batch_results"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    items: Mapped[bytes] = mapped_column(LargeBinary)


class IdempotencyKey(Base):
    """A seller's ``Idempotency-Key`` and the batch it stands for, until ``expires_at``.

    The primary key makes a key one seller's only once: of two requests racing with the same
    key, the second waits for the first's transaction and then finds its row. ``batch_id`` is
    set in the transaction that claims the key (null only inside it); the row goes with its
    batch when retention deletes the batch.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        Index("ix_idempotency_keys_expires_at", "expires_at"),
        # Retention deletes batches by id: each one's keys are found by this, not by a scan.
        Index("ix_idempotency_keys_batch_id", "batch_id"),
    )

    seller_id: Mapped[int] = mapped_column(
        ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    request_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
