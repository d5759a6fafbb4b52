"""Signing a request: the Standard Webhooks headers (https://www.standardwebhooks.com/, through
the ``standardwebhooks`` library) and ``X-Signature``, the hex HMAC-SHA256 of the raw body that
the live service's receivers check (docs/api.md#verifying-a-webhook)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
# The specification asks for 24 to 64 random bytes.
SECRET_BYTES = 32


def new_secret() -> str:
    """``whsec_`` and the base64 of 32 random bytes, the Standard Webhooks secret format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def headers(
    message_id: str, sent_at: datetime, body: bytes, secrets_in_use: Sequence[str]
) -> dict[str, str]:
    """The signature headers of one request: ``webhook-signature`` holds one ``v1,`` signature
    per secret in use (two during a rotation's grace period); ``X-Signature`` is made with the
    first, the current one, keyed with the whole secret string as UTF-8."""
    text = body.decode("utf-8")
    timestamp = sent_at.astimezone(UTC)
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=text)
        for secret in secrets_in_use
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "X-Signature": body_signature(secrets_in_use[0], body),
    }


def body_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
