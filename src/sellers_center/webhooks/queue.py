"""The delivery queue's SQL: claiming a due delivery under a lease and recording an attempt's
outcome. The pattern is the batch queue's (``engine/repository/queue.py``): one guarded
``UPDATE ... RETURNING`` per claim, candidates locked ``SKIP LOCKED`` on PostgreSQL, SQLite's one
writer elsewhere; a lease that runs out makes the delivery claimable again.

Per subscription one delivery is in flight at a time, the oldest due one first: events reach a
receiver in the order they happened (unless one waits for a retry), and a slow receiver holds at
most one of a worker's slots.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import WebhookDelivery, WebhookEvent, WebhookSubscription
from sellers_center.webhooks.repository import forget_enabled_subscriptions

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """What one attempt needs, read in the claim's transaction."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    seller_id: int
    attempts: int
    url: str
    secrets: tuple[str, ...]
    """The current secret, then the previous one while its grace period lasts."""
    event_id: uuid.UUID
    event: str
    occurred_at: datetime
    message: bytes
    window_started_at: datetime


def _free(now: datetime) -> object:
    return or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now)


def _candidates(now: datetime, postgresql: bool, limit: int) -> object:
    """The next due deliveries, at most one per subscription: each one's subscription enabled
    and idle (no attempt in flight), and no older due delivery of the same subscription
    waiting."""
    other = aliased(WebhookDelivery, name="other")
    # Read once per claim from ix_webhook_deliveries_leased (the attempts in flight): a probe
    # per candidate scanned each subscription's whole backlog (bench/webhooks.py).
    in_flight = select(other.subscription_id).where(
        other.status == PENDING, other.lease_expires_at >= now
    )
    older_due = exists().where(
        other.subscription_id == WebhookDelivery.subscription_id,
        other.status == PENDING,
        other.next_attempt_at <= now,
        other.id < WebhookDelivery.id,
    )
    candidate = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            _free(now),  # type: ignore[arg-type]
            WebhookSubscription.enabled.is_(True),
            WebhookDelivery.subscription_id.not_in(in_flight),
            ~older_due,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if postgresql:
        # One claimer per subscription at a time: the others skip it. NO KEY UPDATE does not
        # conflict with the key-share locks of the deliveries being inserted for it.
        candidate = candidate.with_for_update(
            skip_locked=True, of=WebhookSubscription, key_share=True
        )
    return candidate


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Whether a pending delivery is due and under no lease: a read of the due index, so that an
    idle dispatcher, which looks every poll interval, opens no write transaction (on SQLite
    each one took the database's write lock and a fsync, five times a second)."""
    statement = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            _free(now),  # type: ignore[arg-type]
        )
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


async def claim_due(
    session: AsyncSession, *, owner: str, now: datetime, lease_until: datetime, limit: int
) -> list[ClaimedDelivery]:
    """Take up to ``limit`` due deliveries under a lease, in one statement (one claim per
    delivery cost a round trip and a commit each: 50 deliveries a second on PostgreSQL,
    bench/webhooks.py)."""
    postgresql = dialect_name(session) == "postgresql"
    statement = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(_candidates(now, postgresql, limit)),  # type: ignore[arg-type]
            WebhookDelivery.status == PENDING,
            _free(now),  # type: ignore[arg-type]
        )
        .values(
            attempts=WebhookDelivery.attempts + 1, lease_owner=owner, lease_expires_at=lease_until
        )
        .returning(WebhookDelivery.id)
    )
    delivery_ids = list((await session.execute(statement)).scalars())
    if not delivery_ids:
        return []
    return await _load(session, delivery_ids, now)


async def _load(
    session: AsyncSession, delivery_ids: list[uuid.UUID], now: datetime
) -> list[ClaimedDelivery]:
    """The claimed deliveries, oldest first."""
    statement = (
        select(WebhookDelivery, WebhookSubscription, WebhookEvent)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    rows = (await session.execute(statement)).all()
    return [_claimed(delivery, subscription, event, now) for delivery, subscription, event in rows]


def _claimed(
    delivery: WebhookDelivery, subscription: WebhookSubscription, event: WebhookEvent, now: datetime
) -> ClaimedDelivery:
    secrets = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret is not None and expires is not None and expires > now:
        secrets.append(subscription.previous_secret)
    return ClaimedDelivery(
        delivery.id,
        subscription.id,
        subscription.seller_id,
        delivery.attempts,
        subscription.url,
        tuple(secrets),
        event.id,
        event.event,
        event.occurred_at,
        event.message,
        delivery.window_started_at,
    )


def _held(delivery_id: uuid.UUID, owner: str) -> list[object]:
    return [
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.lease_owner == owner,
        WebhookDelivery.status == PENDING,
    ]


async def record_success(
    session: AsyncSession, claimed: ClaimedDelivery, *, owner: str, code: int, now: datetime
) -> bool:
    """Delivered, if ``owner`` still holds it; the subscription is no longer failing."""
    statement = (
        update(WebhookDelivery)
        .where(*_held(claimed.id, owner))  # type: ignore[arg-type]
        .values(
            status=DELIVERED,
            lease_owner=None,
            lease_expires_at=None,
            last_status_code=code,
            last_error=None,
            last_attempt_at=now,
            finished_at=now,
        )
    )
    if (await session.execute(statement)).rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == claimed.subscription_id,
            WebhookSubscription.failing_since.is_not(None),
        )
        .values(failing_since=None)
    )
    return True


async def record_failure(
    session: AsyncSession,
    claimed: ClaimedDelivery,
    *,
    owner: str,
    code: int | None,
    error: str,
    retry_at: datetime | None,
    now: datetime,
) -> bool:
    """Back to the queue until ``retry_at``, or ``failed`` when it is None; only if ``owner``
    still holds it."""
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_expires_at": None,
        "last_status_code": code,
        "last_error": error,
        "last_attempt_at": now,
    }
    if retry_at is None:
        values.update(status=FAILED, finished_at=now)
    else:
        values.update(next_attempt_at=retry_at)
    statement = update(WebhookDelivery).where(*_held(claimed.id, owner)).values(**values)  # type: ignore[arg-type]
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def note_error(session: AsyncSession, delivery_id: uuid.UUID, error: str) -> None:
    """Replace the error recorded for a delivery's last attempt."""
    await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(last_error=error)
    )


async def mark_failing(
    session: AsyncSession, subscription_id: uuid.UUID, now: datetime
) -> datetime | None:
    """Note that the subscription fails since ``now`` unless it already did; when it has been
    failing since (None when the subscription is gone)."""
    await session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.failing_since.is_(None),
        )
        .values(failing_since=now)
    )
    statement = select(WebhookSubscription.failing_since).where(
        WebhookSubscription.id == subscription_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def disable(
    session: AsyncSession, subscription_id: uuid.UUID, reason: str, now: datetime
) -> None:
    forget_enabled_subscriptions(session)
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason, updated_at=now)
    )
    await fail_pending(session, subscription_id, reason, now)


async def fail_pending(
    session: AsyncSession, subscription_id: uuid.UUID, reason: str, now: datetime
) -> None:
    """A disabled subscription's pending deliveries fail with ``reason``: nothing claims them
    (pending, they stayed the backlog's oldest forever and were never purged). An attempt in
    flight then finds its delivery no longer its own and records nothing."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == PENDING
        )
        .values(
            status=FAILED,
            lease_owner=None,
            lease_expires_at=None,
            last_error=reason,
            finished_at=now,
        )
    )


async def release(session: AsyncSession, delivery_id: uuid.UUID, *, owner: str) -> bool:
    """Give back a delivery whose attempt was interrupted (shutdown): claimable at once, the
    attempt not counted."""
    statement = (
        update(WebhookDelivery)
        .where(*_held(delivery_id, owner))  # type: ignore[arg-type]
        .values(lease_owner=None, lease_expires_at=None, attempts=WebhookDelivery.attempts - 1)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def pending_backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many deliveries are pending, and when the oldest of them was created."""
    statement = select(func.count(), func.min(WebhookDelivery.created_at)).where(
        WebhookDelivery.status == PENDING
    )
    count, oldest = (await session.execute(statement)).one()
    return int(count), oldest
