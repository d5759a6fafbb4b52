"""Attempts that cannot be made: a stored URL the HTTP client refuses, an error nobody foresaw.
Each is recorded as a failed attempt with its retry, never left to die unrecorded (its lease
would run out and the delivery be claimed again forever, holding its subscription's queue)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import httpx

from sellers_center.clock import ManualClock
from sellers_center.runtime import Runtime
from sellers_center.webhooks import queue, repository
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.delivery import Dispatcher
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import deliver_due, delivery_log, subscribe
from tests.webhooks.receiver import Receiver

pytestmark = BOTH_BACKENDS


async def emit(runtime: Runtime, seller: SellerKey) -> None:
    async with runtime.unit.write() as session:
        event_id = await webhooks.emit(
            session, seller.seller_id, "batch.completed", "m", runtime.clock.now()
        )
    assert event_id is not None


async def store_url(runtime: Runtime, seller: SellerKey, hook_id: str, url: str) -> None:
    """A URL stored as it is: one accepted before the checks of today."""
    async with runtime.unit.write() as session:
        values = {"url": url}
        assert await repository.update_subscription(
            session, seller.seller_id, uuid.UUID(hook_id), values
        )


def expect_retry(entry: dict[str, Any], error: str) -> None:
    assert entry["status"] == "pending"
    assert entry["attempts"] == 1
    assert entry["last_response_code"] is None
    assert entry["last_error"] == error
    assert entry["next_attempt_at"] > entry["last_attempt_at"]


async def test_a_stored_url_the_client_refuses_is_a_failed_attempt(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/hook"), ["batch.completed"])
    # urlsplit drops the line feed; the client refuses the URL.
    url = receiver.url("/ho\nok")
    await store_url(runtime, seller, hook.id, url)
    await emit(runtime, seller)

    assert await deliver_due(runtime) == 1

    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    expect_retry(entry, f"url {url!r} is not a valid URL: it holds a control character")
    assert await deliver_due(runtime) == 0  # waits for its retry
    assert receiver.received == []


class BrokenTransport(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("internal detail 10.20.30.40")


async def test_an_unforeseen_error_is_a_failed_attempt_and_says_nothing_internal(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/hook"), ["batch.completed"])
    await emit(runtime, seller)
    dispatcher = Dispatcher(
        runtime.unit, runtime.clock, runtime.webhook_config(), "w", BrokenTransport()
    )

    try:
        assert await dispatcher.run_once()
        assert not await dispatcher.run_once()  # waits for its retry
    finally:
        await dispatcher.aclose()

    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    expect_retry(entry, "the request could not be made")


async def test_an_attempt_that_lost_its_lease_does_not_disable_the_subscription(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/down"), ["batch.completed"])
    receiver.answer("/down", 503)
    await emit(runtime, seller)
    # Any failure would disable the subscription at once.
    config = dataclasses.replace(runtime.webhook_config(), disable_after=timedelta(0))
    late = Dispatcher(runtime.unit, runtime.clock, config, "late")

    async def claim(owner: str) -> list[queue.ClaimedDelivery]:
        now = clock.now()
        until = now + timedelta(seconds=config.lease_seconds)
        async with runtime.unit.write() as session:
            return await queue.claim_due(session, owner=owner, now=now, lease_until=until, limit=1)

    [claimed] = await claim("late")
    clock.advance(config.lease_seconds + 1)  # its lease runs out; another worker claims
    assert len(await claim("other")) == 1
    try:
        await late.attempt(claimed)
    finally:
        await late.aclose()

    assert len(receiver.at("/down")) == 1
    stored = await client.get(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)
    assert stored.json()["enabled"] is True
    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    assert (entry["status"], entry["attempts"], entry["last_error"]) == ("pending", 2, None)
