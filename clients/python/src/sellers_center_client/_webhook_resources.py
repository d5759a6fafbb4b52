"""The ``webhooks`` resource of the blocking ``Client``; ``_async_webhook_resources.py``
mirrors it."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from sellers_center_client import _operations as operations
from sellers_center_client._operations import WebhookId
from sellers_center_client._page import DEFAULT_PER_PAGE
from sellers_center_client._session import SyncSession
from sellers_center_client._webhooks import (
    KEEP,
    DeliveriesPage,
    Delivery,
    Keep,
    Webhook,
    WebhookSecret,
    WebhookType,
    change,
    creation,
)


class Webhooks:
    """The seller's webhook subscriptions: the events sent, signed, to its endpoints, and
    their delivery log. Verify each request received with ``sellers_center_client.webhooks``."""

    def __init__(self, session: SyncSession) -> None:
        self._session = session

    def types(self) -> builtins.list[WebhookType]:
        """The events a subscription can name."""
        return self._session.run(operations.webhook_types())

    def list(self) -> builtins.list[Webhook]:
        """The seller's subscriptions (at most 20)."""
        return self._session.run(operations.list_webhooks())

    def create(
        self, events: Iterable[str], url: str, description: str | None = None
    ) -> WebhookSecret:
        """Subscribe ``url`` (https) to ``events``; the answer's ``client_secret`` is shown only
        here. ``ValidationFailed`` names an unknown event or a refused URL, ``Conflict`` says the
        seller has 20 already."""
        return self._session.run(operations.create_webhook(creation(events, url, description)))

    def get(self, webhook_id: WebhookId) -> Webhook:
        """One subscription (``NotFound`` for another seller's)."""
        return self._session.run(operations.get_webhook(webhook_id))

    def update(
        self,
        webhook_id: WebhookId,
        *,
        events: Iterable[str] | None = None,
        url: str | None = None,
        description: str | Keep | None = KEEP,
        enabled: bool | None = None,
    ) -> Webhook:
        """Change only what is given (``description=None`` clears it); ``enabled=True``
        starts a disabled subscription again."""
        body = change(events=events, url=url, description=description, enabled=enabled)
        return self._session.run(operations.update_webhook(webhook_id, body))

    def delete(self, webhook_id: WebhookId) -> None:
        """Unsubscribe; deliveries still pending are dropped."""
        self._session.run(operations.delete_webhook(webhook_id))

    def rotate_secret(self, webhook_id: WebhookId) -> WebhookSecret:
        """A new secret; the old one keeps signing beside it for the grace period (24 hours by
        default)."""
        return self._session.run(operations.rotate_webhook_secret(webhook_id))

    def deliveries(
        self, webhook_id: WebhookId, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE
    ) -> DeliveriesPage:
        """One page of the subscription's delivery log, newest first."""
        operation = operations.webhook_deliveries(webhook_id, page=page, per_page=per_page)
        return self._session.run(operation)

    def redeliver(self, webhook_id: WebhookId, delivery_id: WebhookId) -> Delivery:
        """Queue a delivery again now, with a fresh retry window (``Conflict`` while an attempt
        at it runs)."""
        return self._session.run(operations.redeliver_webhook(webhook_id, delivery_id))
