"""Both clients' ``webhooks`` against the service's app in-process: subscriptions made, read,
changed (only the fields given), rotated and deleted; the delivery log and a redelivery, each
request received by a real endpoint verified with ``sellers_center_client.webhooks``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from sellers_center.webhooks.rules import EVENT_TYPES
from sellers_center_client import (
    AsyncClient,
    BatchStatus,
    Client,
    DeliveryStatus,
    InvalidRequest,
    InvalidWebhook,
    NotFound,
    ServerError,
    StockItem,
    UnexpectedResponse,
    ValidationFailed,
    Webhook,
    WebhookType,
    webhooks,
)
from tests.client.support import FakeTime, Harness, LoopBridge, Script, answer, maybe, sent_json
from tests.support import SellerKey
from tests.webhooks.helpers import deliver_due
from tests.webhooks.receiver import REACHES_RECEIVER, Received, Receiver, running_receiver

BASE_URL = "http://testserver"
HOOK = "https://93.184.216.34/hooks"  # a public address: nothing is resolved
OTHER_HOOK = "https://93.184.216.35/hooks"
BATCH_EVENTS = ["batch.completed", "batch.failed"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Targets on 127.0.0.1 over plain http: the receiver of this test process."""
    return Settings(
        database_url=database_url,
        lease_seconds=30,
        worker_poll_seconds=0.05,
        **REACHES_RECEIVER,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


async def test_a_subscription_is_made_read_changed_rotated_and_deleted(
    sdk: AsyncClient, runtime: Runtime
) -> None:
    types = await sdk.webhooks.types()
    created = await sdk.webhooks.create(["order.created", "stock.updated"], HOOK, "shop")
    expected = Webhook(
        id=created.id,
        events=["order.created", "stock.updated"],
        url=HOOK,
        description="shop",
        enabled=True,
        created_at=runtime.clock.now(),
    )
    listed = await sdk.webhooks.list()
    got = await sdk.webhooks.get(str(created.id))
    disabled = await sdk.webhooks.update(created.id, events=["batch.failed"], enabled=False)
    cleared = await sdk.webhooks.update(created.id, description=None, url=OTHER_HOOK)
    rotated = await sdk.webhooks.rotate_secret(created.id)
    await sdk.webhooks.delete(created.id)

    assert types == [WebhookType(event=e, description=d) for e, d in EVENT_TYPES.items()]
    assert created.client_secret.startswith("whsec_")
    assert (listed, got) == ([expected], expected)
    assert disabled == expected.model_copy(update={"events": ["batch.failed"], "enabled": False})
    assert cleared == disabled.model_copy(update={"description": None, "url": OTHER_HOOK})
    assert rotated.id == created.id
    assert rotated.client_secret.startswith("whsec_")
    assert rotated.client_secret != created.client_secret
    assert await sdk.webhooks.list() == []
    with pytest.raises(NotFound, match=str(created.id)):
        await sdk.webhooks.get(created.id)


async def test_refusals_name_the_problem(
    sdk: AsyncClient, app: FastAPI, other_seller: SellerKey
) -> None:
    created = await sdk.webhooks.create("order.created", HOOK)

    with pytest.raises(ValidationFailed) as unknown:
        await sdk.webhooks.create(["no.such"], HOOK)
    with pytest.raises(ValidationFailed, match="is not an absolute http\\(s\\) URL"):
        await sdk.webhooks.update(created.id, url="ftp://93.184.216.34/")
    with pytest.raises(InvalidRequest, match="'hook-1' is not a webhook id"):
        await sdk.webhooks.get("hook-1")
    with pytest.raises(InvalidRequest, match="'d-1' is not a delivery id"):
        await sdk.webhooks.redeliver(created.id, "d-1")
    with pytest.raises(NotFound):
        await sdk.webhooks.redeliver(created.id, uuid.UUID(int=7))
    transport = httpx2.ASGITransport(app=app)
    async with AsyncClient(BASE_URL, other_seller.key, transport=transport) as stranger:
        with pytest.raises(NotFound):
            await stranger.webhooks.get(created.id)
        with pytest.raises(NotFound):
            await stranger.webhooks.deliveries(created.id)
    assert unknown.value.message == (
        f"Unknown events: no.such; the events are {', '.join(EVENT_TYPES)}"
    )
    assert [hook.events for hook in await sdk.webhooks.list()] == [["order.created"]]


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(is_async=request.param == "async")


async def test_only_the_fields_given_are_sent_and_a_create_is_sent_once(harness: Harness) -> None:
    hook_id = str(uuid.UUID(int=1))
    hook = {
        "id": hook_id,
        "events": ["order.created"],
        "url": HOOK,
        "description": None,
        "enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
    }
    script = Script([answer(200, hook), answer(200, hook), answer(201, {}), answer(503)])
    async with harness.client(FakeTime(), script=script) as client:
        await maybe(client.webhooks.update(hook_id, enabled=True))
        await maybe(client.webhooks.update(hook_id, description=None, events=("order.created",)))
        with pytest.raises(UnexpectedResponse, match="id: Field required"):
            await maybe(client.webhooks.create("stock.updated", HOOK))
        with pytest.raises(ServerError):
            await maybe(client.webhooks.create(["stock.updated"], HOOK, "shop"))

    assert [(r.method, r.url.path) for r in script.requests] == [
        ("PATCH", f"/api/v1/webhooks/{hook_id}"),
        ("PATCH", f"/api/v1/webhooks/{hook_id}"),
        ("POST", "/api/v1/webhooks/"),
        ("POST", "/api/v1/webhooks/"),
    ]
    assert [sent_json(request) for request in script.requests] == [
        {"enabled": True},
        {"events": ["order.created"], "description": None},
        {"events": ["stock.updated"], "url": HOOK},
        {"events": ["stock.updated"], "url": HOOK, "description": "shop"},
    ]


async def received_batch_event(
    sdk: AsyncClient, runtime: Runtime, receiver: Receiver, path: str
) -> tuple[str, str]:
    """A subscription of ``path`` and one batch that became final: (its id, its secret)."""
    created = await sdk.webhooks.create(BATCH_EVENTS, receiver.url(path), "batches")
    ref = await sdk.stocks.update([StockItem(sku="NO-SUCH-SKU", quantity=1)])
    result = await sdk.batches.wait(ref, poll_interval=0.01)
    assert result.status is BatchStatus.COMPLETED
    assert await deliver_due(runtime) == 1
    return str(created.id), created.client_secret


def last(receiver: Receiver, path: str, count: int) -> Received:
    found = receiver.at(path)
    assert len(found) == count
    return found[-1]


async def test_deliveries_are_listed_redelivered_and_verified(
    sdk: AsyncClient, runtime: Runtime, receiver: Receiver
) -> None:
    hook_id, secret = await received_batch_event(sdk, runtime, receiver, "/sdk")
    first = last(receiver, "/sdk", 1)
    now = runtime.clock.now()

    event = webhooks.verify(secret, first.headers, first.body, now=now)
    assert webhooks.verify_x_signature(secret, first.headers, first.body) == event
    assert (event.event, str(event.subscription_id)) == ("batch.completed", hook_id)
    assert (event.message["kind"], event.message["failed"]) == ("stocks", 1)
    page = await sdk.webhooks.deliveries(hook_id, page=1, per_page=1)
    (delivery,) = page.items
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert (delivery.event_id, delivery.event) == (event.id, "batch.completed")
    assert (page.pagination.total, page.pagination.next) == (1, None)

    again = await sdk.webhooks.redeliver(hook_id, delivery.id)
    assert (again.id, again.status, again.next_attempt_at) == (
        delivery.id,
        DeliveryStatus.PENDING,
        now,
    )
    old = secret
    new = (await sdk.webhooks.rotate_secret(hook_id)).client_secret
    assert await deliver_due(runtime) == 1
    second = last(receiver, "/sdk", 2)

    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    # In the rotation's grace period both secrets verify the standard signature; X-Signature is
    # made with the new one only.
    assert webhooks.verify(old, second.headers, second.body, now=now) == event
    assert webhooks.verify(new, second.headers, second.body, now=now) == event
    assert webhooks.verify_x_signature(new, second.headers, second.body) == event
    with pytest.raises(InvalidWebhook, match="X-Signature does not match"):
        webhooks.verify_x_signature(old, second.headers, second.body)
    with pytest.raises(InvalidWebhook, match="refused as a replay"):
        webhooks.verify(new, second.headers, second.body, now=now + timedelta(minutes=6))
    with pytest.raises(InvalidWebhook, match="No signature"):
        webhooks.verify(new, second.headers, second.body.replace(b"stocks", b"prices"), now=now)
    (final,) = (await sdk.webhooks.deliveries(hook_id)).items
    assert (final.status, final.attempts) == (DeliveryStatus.DELIVERED, 2)


def blocking_cycle(client: Client, url: str) -> dict[str, Any]:
    created = client.webhooks.create(BATCH_EVENTS, url)
    outcome: dict[str, Any] = {"types": client.webhooks.types(), "listed": client.webhooks.list()}
    changed = client.webhooks.update(created.id, description="nightly")
    outcome |= {
        "changed": changed,
        "got": client.webhooks.get(created.id),
        "rotated": client.webhooks.rotate_secret(created.id),
        "deliveries": client.webhooks.deliveries(created.id),
    }
    client.webhooks.delete(created.id)
    outcome["after"] = client.webhooks.list()
    return outcome


async def test_the_blocking_client_mirrors_the_async_one(
    app: FastAPI, seller: SellerKey, receiver: Receiver
) -> None:
    loop = asyncio.get_running_loop()
    client = Client(BASE_URL, seller.key, transport=LoopBridge(app, loop))
    with client:
        outcome = await asyncio.to_thread(blocking_cycle, client, receiver.url("/blocking"))

    changed = outcome["changed"]
    assert (changed.events, changed.description, changed.enabled) == (
        BATCH_EVENTS,
        "nightly",
        True,
    )
    assert outcome["listed"] == [changed.model_copy(update={"description": None})]
    assert outcome["got"] == changed
    assert outcome["rotated"].id == changed.id
    assert [entry.event for entry in outcome["types"]] == list(EVENT_TYPES)
    assert (outcome["deliveries"].items, outcome["after"]) == ([], [])
