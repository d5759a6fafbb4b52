"""Webhook subscriptions, the outbox of events and their deliveries, stored by webhooks only
(``webhooks/repository.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from sellers_center.db.tables.base import Base
from sellers_center.db.types import UTCDateTime

# Deliveries still to be made (webhooks/delivery.py), as SQL for partial indexes.
PENDING_CONDITION = "status = 'pending'"


class WebhookSubscription(Base):
    """A seller's endpoint and the events it wants.

    ``secret`` signs every request; during a rotation ``previous_secret`` signs too, until
    ``previous_secret_expires_at``. ``failing_since`` is the first failed attempt after the last
    success; a subscription failing for long enough is disabled with ``disabled_reason``.
    """

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_seller_created", "seller_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEvent(Base):
    """One event as it happened: the outbox row written in the transaction of the change.
    ``message`` is its JSON, encoded once."""

    __tablename__ = "webhook_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[bytes] = mapped_column(LargeBinary)


class WebhookDelivery(Base):
    """One event for one subscription: also the delivery queue, claimed under a lease like the
    batches (``lease_owner``, ``lease_expires_at``, ``attempts``, ``next_attempt_at``).

    ``status``: ``pending`` until a 2xx (``delivered``) or the end of its retry window
    (``failed``). A pending delivery whose lease ran out is claimable again.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The delivery log: a subscription's deliveries newest first.
        Index("ix_webhook_deliveries_subscription_created", "subscription_id", "created_at", "id"),
        Index("ix_webhook_deliveries_event_id", "event_id"),
        Index("ix_webhook_deliveries_finished_at", "finished_at"),
        # The claim: due deliveries in order, and a subscription's pending ones in order.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            "id",
            postgresql_where=sql_text(PENDING_CONDITION),
            sqlite_where=sql_text(PENDING_CONDITION),
        ),
        # The attempts in flight (a handful), whose subscriptions a claim skips.
        Index(
            "ix_webhook_deliveries_leased",
            "lease_expires_at",
            postgresql_where=sql_text(PENDING_CONDITION),
            sqlite_where=sql_text(PENDING_CONDITION),
        ),
        Index(
            "ix_webhook_deliveries_subscription_pending",
            "subscription_id",
            "id",
            postgresql_where=sql_text(PENDING_CONDITION),
            sqlite_where=sql_text(PENDING_CONDITION),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """Its retry window (WEBHOOK_RETRY_HOURS) starts here; a redelivery starts it again."""
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
