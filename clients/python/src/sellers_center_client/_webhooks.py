"""Webhook subscriptions (API guide: webhooks): the events, the subscriptions, their secrets
and their delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, Literal

from pydantic import Field

from sellers_center_client._base import ApiModel, RequestModel
from sellers_center_client._page import Pagination


class WebhookType(ApiModel):
    """An event a subscription can name (``order.created``, ``stock.updated``, ...)."""

    event: str
    description: str


class Webhook(ApiModel):
    """A subscription: the events sent to ``url``. Its secret is never shown again."""

    id: uuid.UUID
    events: list[str]
    url: str
    description: str | None
    enabled: bool
    """False once every attempt failed for days; ``webhooks.update(id, enabled=True)``
    starts it again."""
    created_at: datetime


class WebhookSecret(ApiModel):
    """A subscription's id and the secret that signs its requests (``whsec_...``), shown only
    in the answers to ``create`` and ``rotate_secret``: keep it to verify each request."""

    id: uuid.UUID
    client_secret: str


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Not yet answered 2xx; retried until its 48-hour window ends."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Its window ended; ``last_error`` says why."""


class Delivery(ApiModel):
    """One event sent to one subscription, with its attempts so far."""

    id: uuid.UUID
    event_id: uuid.UUID
    event: str
    status: DeliveryStatus | str = Field(union_mode="left_to_right")
    attempts: int
    last_response_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    """Set while the delivery is pending."""
    created_at: datetime


class DeliveriesPage(ApiModel):
    """One page of ``webhooks.deliveries``, newest first."""

    items: list[Delivery]
    pagination: Pagination


class CreateWebhook(RequestModel):
    """The body of ``webhooks.create``."""

    events: list[str]
    url: str
    description: str | None = None


class UpdateWebhook(RequestModel):
    """The body of ``webhooks.update``: only the fields set are sent, and only they change."""

    events: list[str] | None = None
    url: str | None = None
    description: str | None = None
    """Sent as null, it clears the description."""
    enabled: bool | None = None


class Keep(Enum):
    """The default of a field ``webhooks.update`` leaves as it is, where None means clear."""

    KEEP = "keep"


KEEP: Literal[Keep.KEEP] = Keep.KEEP


def creation(events: Iterable[str], url: str, description: str | None) -> CreateWebhook:
    if description is None:
        return CreateWebhook(events=_names(events), url=url)
    return CreateWebhook(events=_names(events), url=url, description=description)


def change(
    *,
    events: Iterable[str] | None,
    url: str | None,
    description: str | Keep | None,
    enabled: bool | None,
) -> UpdateWebhook:
    """The fields given, and only they: None leaves a field as it is, except
    ``description``, which None clears."""
    given: dict[str, Any] = {"url": url, "enabled": enabled}
    given["events"] = None if events is None else _names(events)
    fields = {name: value for name, value in given.items() if value is not None}
    if not isinstance(description, Keep):
        fields["description"] = description
    return UpdateWebhook(**fields)


def _names(events: Iterable[str]) -> list[str]:
    # A lone string is one event, not its characters.
    return [events] if isinstance(events, str) else list(events)
