"""All SQL of webhooks: subscriptions, the outbox and the delivery log. The delivery queue's
claim and outcomes are ``queue.py``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import dialect_name
from sellers_center.db.tables import WebhookDelivery, WebhookEvent, WebhookSubscription


@dataclass(frozen=True, slots=True)
class Subscription:
    id: uuid.UUID
    seller_id: int
    url: str
    events: tuple[str, ...]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryEntry:
    """One line of a subscription's delivery log."""

    id: uuid.UUID
    event_id: uuid.UUID
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime


_SUBSCRIPTION_COLUMNS = (
    WebhookSubscription.id,
    WebhookSubscription.seller_id,
    WebhookSubscription.url,
    WebhookSubscription.events,
    WebhookSubscription.description,
    WebhookSubscription.enabled,
    WebhookSubscription.disabled_reason,
    WebhookSubscription.created_at,
)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.id,
        row.seller_id,
        row.url,
        tuple(row.events),
        row.description,
        row.enabled,
        row.disabled_reason,
        row.created_at,
    )


# The first key of the PostgreSQL advisory lock on a seller's subscriptions (the second is the
# seller's id); two-key locks do not share a key space with the migrations' one-key lock.
SUBSCRIPTIONS_LOCK = 0x5E11E26


async def count_subscriptions_locked(session: AsyncSession, seller_id: int) -> int:
    """How many subscriptions the seller has; on PostgreSQL the count is the seller's until the
    transaction ends (a transaction-scoped advisory lock), so that concurrent creates cannot
    each count below the limit and together exceed it. SQLite has one writer."""
    if dialect_name(session) == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :seller_id)"),
            {"namespace": SUBSCRIPTIONS_LOCK, "seller_id": seller_id},
        )
    statement = select(func.count()).where(WebhookSubscription.seller_id == seller_id)
    return int((await session.execute(statement)).scalar_one())


async def insert_subscription(session: AsyncSession, values: Mapping[str, Any]) -> None:
    forget_enabled_subscriptions(session)
    await session.execute(insert(WebhookSubscription).values(**values))


async def subscriptions_of(session: AsyncSession, seller_id: int) -> list[Subscription]:
    statement = (
        select(*_SUBSCRIPTION_COLUMNS)
        .where(WebhookSubscription.seller_id == seller_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    return [_subscription(row) for row in await session.execute(statement)]


async def subscription(
    session: AsyncSession, seller_id: int | None, subscription_id: uuid.UUID
) -> Subscription | None:
    """The subscription, of this seller only unless ``seller_id`` is None (the operator)."""
    statement = select(*_SUBSCRIPTION_COLUMNS).where(WebhookSubscription.id == subscription_id)
    if seller_id is not None:
        statement = statement.where(WebhookSubscription.seller_id == seller_id)
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else _subscription(row)


async def update_subscription(
    session: AsyncSession, seller_id: int, subscription_id: uuid.UUID, values: Mapping[str, Any]
) -> bool:
    forget_enabled_subscriptions(session)
    statement = (
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.seller_id == seller_id
        )
        .values(**values)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def rotate_secret(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    secret: str,
    *,
    old_until: datetime,
    now: datetime,
) -> None:
    """``secret`` signs from now on; the one it replaces also signs until ``old_until``."""
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(
            secret=secret,
            previous_secret=WebhookSubscription.secret,
            previous_secret_expires_at=old_until,
            updated_at=now,
        )
    )


async def delete_subscription(
    session: AsyncSession, seller_id: int, subscription_id: uuid.UUID
) -> bool:
    """The subscription and its deliveries (pending ones included: nothing more is sent), and
    the events left with no delivery (nothing else would ever delete them)."""
    owned = select(WebhookSubscription.id).where(
        WebhookSubscription.id == subscription_id, WebhookSubscription.seller_id == seller_id
    )
    if (await session.execute(owned)).scalar_one_or_none() is None:
        return False
    forget_enabled_subscriptions(session)
    # Children first: SQLite only cascades when foreign keys are on, PostgreSQL always.
    deleted = await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .returning(WebhookDelivery.event_id)
    )
    event_ids = set(deleted.scalars())
    await session.execute(
        delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    )
    if event_ids:
        await _delete_orphan_events(session, event_ids)
    return True


# Where a transaction keeps the enabled subscriptions it read, per seller: a domain asks
# ``wanted`` and then emits, and both need them.
_ENABLED = "webhooks.enabled_subscriptions"


def forget_enabled_subscriptions(session: AsyncSession) -> None:
    """Called by every write to subscriptions: the transaction reads them again."""
    session.info.pop(_ENABLED, None)


async def enabled_subscriptions(
    session: AsyncSession, seller_id: int
) -> list[tuple[uuid.UUID, tuple[str, ...]]]:
    """The seller's enabled subscriptions and their events: who gets an event emitted now.
    Read once per transaction (until a write to subscriptions in it).

    On PostgreSQL the rows are key-share locked until the caller's transaction ends: a
    subscription deleted between this read and the insert of its deliveries failed the
    emitting transaction (the change the event reports) on the foreign key; now the delete
    waits, and takes the new deliveries with it. The delivery claim's NO KEY UPDATE lock does
    not conflict (SQLite has one writer and renders no lock)."""
    statement = (
        select(WebhookSubscription.id, WebhookSubscription.events)
        .where(WebhookSubscription.seller_id == seller_id, WebhookSubscription.enabled.is_(True))
        .with_for_update(read=True, key_share=True)
    )
    known: dict[int, list[tuple[uuid.UUID, tuple[str, ...]]]] = session.info.setdefault(
        _ENABLED, {}
    )
    if seller_id not in known:
        known[seller_id] = [(row.id, tuple(row.events)) for row in await session.execute(statement)]
    return list(known[seller_id])


async def insert_event(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(WebhookEvent).values(**values))


async def insert_deliveries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await session.execute(insert(WebhookDelivery), list(rows))


async def delivery_page(
    session: AsyncSession, subscription_id: uuid.UUID, *, offset: int, limit: int
) -> tuple[list[DeliveryEntry], int]:
    """A subscription's deliveries newest first, and how many there are."""
    where = WebhookDelivery.subscription_id == subscription_id
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    statement = (
        select(WebhookDelivery, WebhookEvent.event)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(where)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .offset(offset)
        .limit(limit)
    )
    entries = [_entry(delivery, event) for delivery, event in await session.execute(statement)]
    return entries, int(total)


def _entry(delivery: WebhookDelivery, event: str) -> DeliveryEntry:
    pending = delivery.status == "pending"
    return DeliveryEntry(
        delivery.id,
        delivery.event_id,
        event,
        delivery.status,
        delivery.attempts,
        delivery.last_status_code,
        delivery.last_error,
        delivery.last_attempt_at,
        delivery.next_attempt_at if pending else None,
        delivery.created_at,
    )


async def delivery_entry(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryEntry | None:
    statement = (
        select(WebhookDelivery, WebhookEvent.event)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id
        )
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else _entry(row[0], row[1])


async def reopen_delivery(session: AsyncSession, delivery_id: uuid.UUID, *, now: datetime) -> bool:
    """Queue a delivery again now, with a new retry window; refused (False) while an attempt
    holds it."""
    statement = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            (WebhookDelivery.lease_expires_at.is_(None)) | (WebhookDelivery.lease_expires_at < now),
        )
        .values(
            status="pending",
            next_attempt_at=now,
            window_started_at=now,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=None,
        )
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def purge_finished_before(session: AsyncSession, cutoff: datetime, chunk: int) -> int:
    """Up to ``chunk`` final deliveries that ended before ``cutoff``, and the events left with
    no delivery."""
    old = (
        select(WebhookDelivery.id, WebhookDelivery.event_id)
        .where(WebhookDelivery.finished_at < cutoff)
        .order_by(WebhookDelivery.finished_at)
        .limit(chunk)
    )
    rows = (await session.execute(old)).all()
    if not rows:
        return 0
    await session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.id.in_([r.id for r in rows]))
    )
    await _delete_orphan_events(session, {row.event_id for row in rows})
    return len(rows)


async def _delete_orphan_events(session: AsyncSession, event_ids: Iterable[uuid.UUID]) -> None:
    remaining = select(WebhookDelivery.event_id).where(
        WebhookDelivery.event_id.in_(list(event_ids))
    )
    kept = set((await session.execute(remaining)).scalars())
    orphans = [event_id for event_id in event_ids if event_id not in kept]
    if orphans:
        await session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(orphans)))
