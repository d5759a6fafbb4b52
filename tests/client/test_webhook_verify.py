"""``sellers_center_client.webhooks``: what the service signs verifies, and nothing else does."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sellers_center.webhooks.signature import headers, new_secret
from sellers_center_client import InvalidRequest, InvalidWebhook, WebhookEvent, webhooks

SENT_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EVENT = {
    "id": str(uuid.UUID(int=1)),
    "event": "stock.updated",
    "timestamp": "2026-03-01T11:59:59Z",
    "subscription_id": str(uuid.UUID(int=2)),
    "message": [{"sku": "K", "quantity": 3, "quantity_fbm": 0}],
}
BODY = json.dumps(EVENT).encode()


def test_every_secret_in_use_verifies_in_any_header_case() -> None:
    current, previous = new_secret(), new_secret()
    signed = headers("msg-1", SENT_AT, BODY, [current, previous])
    shouted = {name.upper(): value for name, value in signed.items()}

    expected = WebhookEvent.model_validate(EVENT)
    assert webhooks.verify(current, signed, BODY, now=SENT_AT) == expected
    assert webhooks.verify(previous, shouted, BODY.decode(), now=SENT_AT) == expected
    assert webhooks.verify_x_signature(current, shouted, BODY) == expected
    assert expected.message == EVENT["message"]
    with pytest.raises(InvalidWebhook, match="No signature of webhook-signature matches"):
        webhooks.verify(new_secret(), signed, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="X-Signature does not match"):
        webhooks.verify_x_signature(previous, signed, BODY)


def test_the_timestamp_is_held_to_five_minutes_either_way() -> None:
    secret = new_secret()
    signed = headers("msg-1", SENT_AT, BODY, [secret])
    edge = timedelta(minutes=5)

    assert webhooks.verify(secret, signed, BODY, now=SENT_AT + edge).event == "stock.updated"
    assert webhooks.verify(secret, signed, BODY, now=SENT_AT - edge).event == "stock.updated"
    for off in (edge + timedelta(seconds=1), -edge - timedelta(seconds=1)):
        with pytest.raises(InvalidWebhook, match="refused as a replay"):
            webhooks.verify(secret, signed, BODY, now=SENT_AT + off)
    late = SENT_AT + timedelta(hours=1)
    lenient = webhooks.verify(secret, signed, BODY, now=late, tolerance=timedelta(hours=2))
    assert lenient.id == uuid.UUID(int=1)


def test_requests_not_from_the_service_are_refused_with_the_reason() -> None:
    secret = new_secret()
    signed = headers("msg-1", SENT_AT, BODY, [secret])
    moved = {**signed, "webhook-id": "msg-2"}
    not_seconds = {**signed, "webhook-timestamp": "soon"}
    unsigned = {name: value for name, value in signed.items() if name != "webhook-signature"}
    other_version = {
        **signed,
        "webhook-signature": signed["webhook-signature"].replace("v1,", "v2,"),
    }
    not_an_event = b'{"hello": "world"}'
    signed_other = headers("msg-1", SENT_AT, not_an_event, [secret])

    with pytest.raises(InvalidWebhook, match="No signature"):
        webhooks.verify(secret, moved, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="No signature"):
        webhooks.verify(secret, other_version, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="No signature"):
        webhooks.verify(secret, {**signed, "webhook-signature": "v1,é"}, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="X-Signature does not match"):
        webhooks.verify_x_signature(secret, {**signed, "X-Signature": "é"}, BODY)
    with pytest.raises(InvalidWebhook, match="'soon' is not Unix seconds"):
        webhooks.verify(secret, not_seconds, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="carries webhook-id, webhook-timestamp and webhook"):
        webhooks.verify(secret, unsigned, BODY, now=SENT_AT)
    with pytest.raises(InvalidWebhook, match="carries X-Signature"):
        webhooks.verify_x_signature(secret, {}, BODY)
    with pytest.raises(InvalidWebhook, match="The signed body is not a webhook event"):
        webhooks.verify(secret, signed_other, not_an_event, now=SENT_AT)
    with pytest.raises(InvalidRequest, match="A webhook secret is whsec_ and base64"):
        webhooks.verify("whsec_not base64!", signed, BODY, now=SENT_AT)
