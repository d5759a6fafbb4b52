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
