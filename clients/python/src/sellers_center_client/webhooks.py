"""Checking that a webhook request came from the service (API guide: verifying a webhook).

>>> from sellers_center_client import webhooks
>>> event = webhooks.verify(secret, request_headers, raw_body)  # raises InvalidWebhook
>>> event.event, event.message

Check the raw bytes received, before parsing them; handle each ``event.id`` once (delivery is at
least once).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from sellers_center_client._base import ApiModel
from sellers_center_client._errors import InvalidRequest, SellersCenterError

SECRET_PREFIX = "whsec_"
# How far ``webhook-timestamp`` may be from the receiver's clock: older requests are replays.
TOLERANCE = timedelta(minutes=5)
SIGNATURE_VERSION = "v1"


class InvalidWebhook(SellersCenterError):  # noqa: N818 - named for what happened
    """A request that is not a webhook of the service: no valid signature, a timestamp outside
    the tolerance (a replay), or a body that is not an event. Answer it 4xx and drop it."""


class WebhookEvent(ApiModel):
    """The body of every webhook request."""

    id: uuid.UUID
    """The event's, the same for every subscription it goes to: handle each once."""
    event: str
    """``order.created``, ``stock.updated``, ... (``client.webhooks.types()``)."""
    timestamp: datetime
    """When the change happened."""
    subscription_id: uuid.UUID
    message: Any
    """The event's own content, as the API guide describes per event."""


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: datetime | None = None,
    tolerance: timedelta = TOLERANCE,
) -> WebhookEvent:
    """The event of a request whose Standard Webhooks headers (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``) hold a ``v1`` signature made with ``secret``
    and a timestamp within ``tolerance`` of ``now`` (the current time by default).

    During a rotation's grace period the request is signed with the old and the new secret, so
    either verifies it. ``headers`` may be named in any case."""
    found = {name.lower(): value for name, value in headers.items()}
    message_id = found.get("webhook-id")
    sent_at = found.get("webhook-timestamp")
    signatures = found.get("webhook-signature")
    if message_id is None or sent_at is None or signatures is None:
        raise InvalidWebhook(
            "A webhook carries webhook-id, webhook-timestamp and webhook-signature"
        )
    try:
        seconds = int(sent_at)
    except ValueError:
        raise InvalidWebhook(f"webhook-timestamp {sent_at!r} is not Unix seconds") from None
    moment = (now or datetime.now(UTC)).timestamp()
    if abs(moment - seconds) > tolerance.total_seconds():
        raise InvalidWebhook(
            f"webhook-timestamp {seconds} is more than {tolerance} from now: refused as a replay"
        )
    raw = _raw(body)
    # Signed as sent: the header's own text, not the number read from it.
    signed = f"{message_id}.{sent_at}.".encode() + raw
    expected = base64.b64encode(_mac(_key(secret), signed))
    entries = (entry.partition(",") for entry in signatures.split(" "))
    if not any(
        version == SIGNATURE_VERSION and hmac.compare_digest(expected, _bytes(signature))
        for version, _, signature in entries
    ):
        raise InvalidWebhook("No signature of webhook-signature matches the secret")
    return _event(raw)


def verify_x_signature(secret: str, headers: Mapping[str, str], body: bytes | str) -> WebhookEvent:
    """The event of a request whose ``X-Signature`` is the hex HMAC-SHA256 of ``body`` keyed
    with the whole ``secret`` (as UTF-8).

    Only the current secret makes it, and it signs no timestamp: ``verify`` also refuses
    replays and accepts the old secret during a rotation."""
    found = {name.lower(): value for name, value in headers.items()}
    signature = found.get("x-signature")
    if signature is None:
        raise InvalidWebhook("A webhook carries X-Signature")
    raw = _raw(body)
    expected = _mac(secret.encode("utf-8"), raw).hex().encode("ascii")
    if not hmac.compare_digest(expected, _bytes(signature.lower())):
        raise InvalidWebhook("X-Signature does not match the secret")
    return _event(raw)


def _raw(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def _bytes(header: str) -> bytes:
    # Compared as bytes: comparing text that is not ASCII raises instead of answering no.
    return header.encode("utf-8", errors="surrogateescape")


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(
            f"A webhook secret is {SECRET_PREFIX} and base64, as the service gave it"
        ) from None


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _event(raw: bytes) -> WebhookEvent:
    try:
        return WebhookEvent.model_validate_json(raw)
    except ValidationError:
        raise InvalidWebhook("The signed body is not a webhook event") from None
