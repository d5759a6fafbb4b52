"""The events a seller can subscribe to, what a subscription's target must be, and the text of
every refusal (docs/api.md#webhooks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sellers_center.errors import InvalidInputError

EVENT_TYPES: dict[str, str] = {
    "order.created": "An order was placed; the message is the order as GET /orders/ shows it.",
    "order.updated": "An order changed; the message is the order as GET /orders/ shows it.",
    "order_items.shipped": "Items were shipped: the order number and the shipped items.",
    "order_items.cancelled": "Items were cancelled: the order number and the cancelled items.",
    "order_items.returned": "Items were returned: the order number and the returned items.",
    "stock.updated": (
        "Stock changed (a stock batch, an order placed or cancelled, the marketplace's"
        ' warehouse): [{"sku", "quantity", "quantity_fbm"}].'
    ),
    "product_master.status_updated": (
        "A style's publication status changed: its key, status and rejection, if any."
    ),
    "batch.completed": "A batch of any kind completed: kind, batch id, status, item counts.",
    "batch.failed": "A batch of any kind failed: kind, batch id, status, item counts.",
}


class SubscriptionRefusedError(InvalidInputError):
    """A subscription that cannot be made as asked (unknown events, a target webhooks may not
    reach); the message names the problem (422)."""


MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
# A seller's subscriptions: each event is fanned out to every one of them in the transaction
# of the change, so their number is bounded.
MAX_SUBSCRIPTIONS = 20


def unknown_events(events: Iterable[str]) -> str | None:
    unknown = sorted({event for event in events if event not in EVENT_TYPES})
    if not unknown:
        return None
    return f"Unknown events: {', '.join(unknown)}; the events are {', '.join(EVENT_TYPES)}"


def no_events() -> str:
    return "A subscription needs at least one event"


def not_a_url(url: str) -> str:
    return f"url {url!r} is not an absolute http(s) URL with a host"


def invalid_url(url: str, problem: str) -> str:
    return f"url {url!r} is not a valid URL: {problem}"


def plain_http(host: str) -> str:
    return (
        f"url must use https (http is allowed only in sandbox mode or for hosts the operator "
        f"allows; {host} is not one of them)"
    )


def not_public(host: str) -> str:
    """A host that does not resolve or resolves to an address that is not public: one text for
    both, naming no address, so that refusals cannot map the names of an internal network."""
    return (
        f"url host {host} does not resolve to a public address; webhooks go only to hosts "
        f"that resolve to public addresses"
    )


def too_many_subscriptions() -> str:
    return f"A seller can have at most {MAX_SUBSCRIPTIONS} webhook subscriptions"


def subscription_not_found(subscription_id: object) -> str:
    return f"Webhook subscription {subscription_id} not found"


def delivery_not_found(delivery_id: object) -> str:
    return f"Delivery {delivery_id} not found for this subscription"


def delivery_in_flight(delivery_id: object) -> str:
    return f"Delivery {delivery_id} is being attempted right now; redeliver it after the attempt"


def subscription_disabled(subscription_id: object) -> str:
    return f"Webhook subscription {subscription_id} is disabled; enable it to deliver again"


def disabled_by_seller() -> str:
    return "not delivered: the subscription was disabled"


def status_refused(code: int) -> str:
    return f"the receiver answered {code}"


def request_failed(problem: str) -> str:
    return f"the request failed: {problem}"


def attempt_failed() -> str:
    return "the request could not be made"


def timed_out(seconds: float) -> str:
    return f"no answer within {seconds:g} s"


def window_over(hours: float) -> str:
    return f"not delivered within {hours:g} hours; no more attempts"


def disabled_for_failures(since: datetime, hours: float) -> str:
    return (
        f"disabled: every delivery has failed since {since.isoformat()} (over {hours:g} hours); "
        f"fix the receiver and enable the subscription again"
    )
