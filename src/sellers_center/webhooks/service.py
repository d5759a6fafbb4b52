"""Webhook verbs: a seller's subscriptions and their delivery log, and ``emit``, which every
domain calls in the transaction of the change an event reports (the outbox), so that a change
that commits always has its events and one rolled back has none."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.ids import new_batch_id
from sellers_center.webhooks import queue, repository, rules, target
from sellers_center.webhooks.repository import DeliveryEntry, Subscription
from sellers_center.webhooks.signature import new_secret
from sellers_center.webhooks.target import TargetPolicy

__all__ = [
    "Backlog",
    "CheckedUrl",
    "DeliveryEntry",
    "Subscription",
    "SubscriptionChange",
    "TargetPolicy",
    "backlog",
    "check_url",
    "create",
    "delete",
    "deliveries",
    "emit",
    "event_types",
    "get",
    "list_subscriptions",
    "purge_finished",
    "redeliver",
    "rotate_secret",
    "update",
    "wanted",
]


def event_types() -> list[tuple[str, str]]:
    return list(rules.EVENT_TYPES.items())


def _check_events(events: Sequence[str]) -> list[str]:
    if not events:
        raise rules.SubscriptionRefusedError(rules.no_events())
    problem = rules.unknown_events(events)
    if problem is not None:
        raise rules.SubscriptionRefusedError(problem)
    return list(dict.fromkeys(events))


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A target URL webhooks may be sent to, as ``check_url`` found it."""

    url: str


async def check_url(url: str, policy: TargetPolicy) -> CheckedUrl:
    """``url`` checked and its host resolved (up to ``target.RESOLVE_TIMEOUT_SECONDS``): done
    before the write transaction that stores it, which on SQLite holds the process's write
    lock (a worker's claims included) for as long as it is open."""
    await target.resolve(url, policy)
    return CheckedUrl(url)


async def create(
    session: AsyncSession,
    seller_id: int,
    *,
    events: Sequence[str],
    url: CheckedUrl,
    description: str | None,
    now: datetime,
) -> tuple[uuid.UUID, str]:
    """A new subscription's id and its secret (returned only here)."""
    wanted_events = _check_events(events)
    if await repository.count_subscriptions_locked(session, seller_id) >= rules.MAX_SUBSCRIPTIONS:
        raise ConflictError(rules.too_many_subscriptions())
    subscription_id, secret = new_batch_id(), new_secret()
    await repository.insert_subscription(
        session,
        {
            "id": subscription_id,
            "seller_id": seller_id,
            "url": url.url,
            "events": wanted_events,
            "description": description,
            "enabled": True,
            "secret": secret,
            "created_at": now,
            "updated_at": now,
        },
    )
    return subscription_id, secret


async def list_subscriptions(session: AsyncSession, seller_id: int) -> list[Subscription]:
    return await repository.subscriptions_of(session, seller_id)


async def get(
    session: AsyncSession, seller_id: int | None, subscription_id: uuid.UUID
) -> Subscription:
    """The seller's subscription (any seller's when ``seller_id`` is None: the operator)."""
    found = await repository.subscription(session, seller_id, subscription_id)
    if found is None:
        raise NotFoundError(rules.subscription_not_found(subscription_id))
    return found


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """The fields a PATCH sent; None leaves a field as it is (``description`` may be cleared
    with ``clear_description``)."""

    events: Sequence[str] | None = None
    url: CheckedUrl | None = None
    description: str | None = None
    clear_description: bool = False
    enabled: bool | None = None


async def update(
    session: AsyncSession,
    seller_id: int,
    subscription_id: uuid.UUID,
    change: SubscriptionChange,
    *,
    now: datetime,
) -> Subscription:
    await get(session, seller_id, subscription_id)
    values: dict[str, Any] = {"updated_at": now}
    if change.events is not None:
        values["events"] = _check_events(change.events)
    if change.url is not None:
        values["url"] = change.url.url
    if change.description is not None or change.clear_description:
        values["description"] = change.description
    if change.enabled is not None:
        values["enabled"] = change.enabled
        if change.enabled:  # enabled again: a fresh start
            values.update(disabled_reason=None, failing_since=None)
    await repository.update_subscription(session, seller_id, subscription_id, values)
    if change.enabled is False:
        await queue.fail_pending(session, subscription_id, rules.disabled_by_seller(), now)
    return await get(session, seller_id, subscription_id)


async def delete(session: AsyncSession, seller_id: int, subscription_id: uuid.UUID) -> None:
    """The subscription and every delivery still pending for it go."""
    if not await repository.delete_subscription(session, seller_id, subscription_id):
        raise NotFoundError(rules.subscription_not_found(subscription_id))


async def rotate_secret(
    session: AsyncSession,
    seller_id: int,
    subscription_id: uuid.UUID,
    *,
    grace: timedelta,
    now: datetime,
) -> str:
    """A new secret; the one it replaces also signs until ``now + grace``."""
    await get(session, seller_id, subscription_id)
    secret = new_secret()
    await repository.rotate_secret(session, subscription_id, secret, old_until=now + grace, now=now)
    return secret


async def deliveries(
    session: AsyncSession,
    seller_id: int | None,
    subscription_id: uuid.UUID,
    *,
    offset: int,
    limit: int,
) -> tuple[list[DeliveryEntry], int]:
    """A subscription's delivery log, newest first (any seller's when ``seller_id`` is None)."""
    await get(session, seller_id, subscription_id)
    return await repository.delivery_page(session, subscription_id, offset=offset, limit=limit)


async def redeliver(
    session: AsyncSession,
    seller_id: int,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    now: datetime,
) -> DeliveryEntry:
    """Queue a delivery again now; its retry window starts again. Refused for a disabled
    subscription: nothing claims its deliveries."""
    if not (await get(session, seller_id, subscription_id)).enabled:
        raise ConflictError(rules.subscription_disabled(subscription_id))
    if await repository.delivery_entry(session, subscription_id, delivery_id) is None:
        raise NotFoundError(rules.delivery_not_found(delivery_id))
    reopened = await repository.reopen_delivery(session, delivery_id, now=now)
    if not reopened:
        raise ConflictError(rules.delivery_in_flight(delivery_id))
    entry = await repository.delivery_entry(session, subscription_id, delivery_id)
    assert entry is not None
    return entry


# Final deliveries deleted per maintenance pass, so that one pass never holds the write lock long.
PURGE_CHUNK = 500


async def purge_finished(session: AsyncSession, now: datetime, *, retention: timedelta) -> int:
    """A maintenance step: delete deliveries final for longer than ``retention`` (and events
    left without deliveries), a chunk per pass."""
    return await repository.purge_finished_before(session, now - retention, PURGE_CHUNK)


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest_created_at: datetime | None


async def backlog(session: AsyncSession) -> Backlog:
    """Deliveries still pending and when the oldest of them was created (for /metrics)."""
    count, oldest = await queue.pending_backlog(session)
    return Backlog(count, oldest)


async def wanted(session: AsyncSession, seller_id: int, events: Iterable[str]) -> frozenset[str]:
    """Which of ``events`` some enabled subscription of the seller wants: a domain builds the
    message of an event only when someone will get it."""
    asked = set(events)
    subscribed = await repository.enabled_subscriptions(session, seller_id)
    return frozenset(event for _, names in subscribed for event in names if event in asked)


async def emit(
    session: AsyncSession, seller_id: int, event: str, message: Any, now: datetime
) -> uuid.UUID | None:
    """Record ``event`` (its ``message`` any JSON-able value) for every enabled subscription of
    the seller that wants it, in the caller's transaction; the event's id, or None when nobody
    wants it. A subscription made later gets nothing of it; one deleted before delivery,
    nothing more."""
    if event not in rules.EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event!r}")
    subscribed = await repository.enabled_subscriptions(session, seller_id)
    receivers = [subscription for subscription, names in subscribed if event in names]
    if not receivers:
        return None
    event_id = new_batch_id()
    await repository.insert_event(
        session,
        {
            "id": event_id,
            "seller_id": seller_id,
            "event": event,
            "occurred_at": now,
            "message": to_json(message),
        },
    )
    await repository.insert_deliveries(session, [_delivery(s, event_id, now) for s in receivers])
    return event_id


def _delivery(subscription_id: uuid.UUID, event_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": new_batch_id(),
        "subscription_id": subscription_id,
        "event_id": event_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "window_started_at": now,
        "created_at": now,
    }


def payload(
    event_id: uuid.UUID,
    event: str,
    occurred_at: datetime,
    subscription_id: uuid.UUID,
    message: bytes,
) -> bytes:
    """The request body: ``{"id", "event", "timestamp", "subscription_id", "message"}``."""
    return to_json(
        {
            "id": event_id,
            "event": event,
            "timestamp": occurred_at,
            "subscription_id": subscription_id,
            "message": json.loads(message),
        }
    )
