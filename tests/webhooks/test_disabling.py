"""A disabled subscription's pending deliveries fail with the reason (nothing claims them; left
pending they stayed the backlog's oldest forever and were never purged), and its deliveries
cannot be redelivered until it is enabled again."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx

from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.delivery import Dispatcher
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import delivery_log, subscribe
from tests.webhooks.receiver import Receiver

pytestmark = BOTH_BACKENDS


async def emit(runtime: Runtime, seller: SellerKey, message: int) -> None:
    async with runtime.unit.write() as session:
        event_id = await webhooks.emit(
            session, seller.seller_id, "batch.completed", message, runtime.clock.now()
        )
    assert event_id is not None


async def backlog(runtime: Runtime) -> webhooks.Backlog:
    async with runtime.unit.read() as session:
        return await webhooks.backlog(session)


async def test_disabling_fails_the_pending_deliveries_and_refuses_redelivery(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/hook"), ["batch.completed"])
    await emit(runtime, seller, 1)
    path = f"/api/v1/webhooks/{hook.id}"

    disabled = await client.patch(path, json={"enabled": False}, headers=seller.headers)

    assert disabled.status_code == 200
    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    assert entry["status"] == "failed"
    assert entry["last_error"] == "not delivered: the subscription was disabled"
    assert entry["next_attempt_at"] is None
    assert await backlog(runtime) == webhooks.Backlog(0, None)
    redeliver = f"{path}/deliveries/{entry['id']}/redeliver"
    refused = await client.post(redeliver, headers=seller.headers)
    assert refused.status_code == 409
    assert refused.json() == {
        "message": f"Webhook subscription {hook.id} is disabled; enable it to deliver again"
    }

    await client.patch(path, json={"enabled": True}, headers=seller.headers)
    again = await client.post(redeliver, headers=seller.headers)
    assert again.status_code == 202
    assert again.json()["status"] == "pending"


async def test_a_subscription_disabled_for_its_failures_fails_its_other_deliveries(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/down"), ["batch.completed"])
    receiver.answer("/down", 503)
    await emit(runtime, seller, 1)
    await emit(runtime, seller, 2)
    # The first failure disables the subscription.
    config = dataclasses.replace(runtime.webhook_config(), disable_after=timedelta(0))
    dispatcher = Dispatcher(runtime.unit, runtime.clock, config, "worker")

    try:
        assert await dispatcher.run_once()
        assert not await dispatcher.run_once()
    finally:
        await dispatcher.aclose()

    assert [r.payload["message"] for r in receiver.at("/down")] == [1]
    reason = (
        "disabled: every delivery has failed since 2026-01-01T00:00:00+00:00 (over 0 hours); "
        "fix the receiver and enable the subscription again"
    )
    entries = (await delivery_log(client, seller, hook.id))["items"]
    assert [(e["status"], e["attempts"], e["last_error"]) for e in entries] == [
        ("failed", 0, reason),
        ("failed", 1, f"the receiver answered 503; subscription {reason}"),
    ]
    assert await backlog(runtime) == webhooks.Backlog(0, None)
