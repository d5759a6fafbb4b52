"""Delivery: retries with backoff until a 2xx, a receiver that hangs delays nobody else, a
deleted subscription gets nothing more, rotation signs with both secrets, a subscription failing
for long enough is disabled, the delivery log and redelivery, the target checked again at each
attempt (docs/api.md#webhooks)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import httpx
from sqlalchemy import event, func, select

from sellers_center.clock import ManualClock
from sellers_center.db.tables import WebhookEvent
from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.rules import not_public
from sellers_center.webhooks.target import TargetPolicy
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import deliver_due, delivery_log, subscribe
from tests.webhooks.receiver import Receiver, standard_signature_matches

pytestmark = BOTH_BACKENDS

# Longer than any backoff the first attempts can draw (5 s doubled, at most 20 s by the 3rd).
LATER_SECONDS = 60


async def emit(runtime: Runtime, seller: SellerKey, message: Any = "m") -> uuid.UUID:
    async with runtime.unit.write() as session:
        event_id = await webhooks.emit(
            session, seller.seller_id, "batch.completed", message, runtime.clock.now()
        )
    assert event_id is not None
    return event_id


async def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_try(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/flaky"), ["batch.completed"])
    receiver.answer("/flaky", 500, 500, 500)
    event_id = await emit(runtime, seller)

    codes = []
    for _ in range(4):
        assert await deliver_due(runtime) == 1
        assert await deliver_due(runtime) == 0  # the next try waits for its backoff
        codes.append(
            (await delivery_log(client, seller, hook.id))["items"][0]["last_response_code"]
        )
        clock.advance(LATER_SECONDS)

    assert codes == [500, 500, 500, 200]
    requests = receiver.at("/flaky")
    assert len(requests) == 4
    assert {r.payload["id"] for r in requests} == {str(event_id)}
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # one message, resent
    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    assert entry["status"] == "delivered"
    assert entry["attempts"] == 4
    assert entry["last_error"] is None
    assert entry["next_attempt_at"] is None


async def test_a_hanging_receiver_does_not_delay_another_subscription(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    await subscribe(client, seller, receiver.url("/hangs"), ["batch.completed"])
    await subscribe(client, seller, receiver.url("/quick"), ["batch.completed"])
    receiver.hold("/hangs")
    await emit(runtime, seller)
    dispatcher = runtime.dispatcher()
    running = asyncio.create_task(dispatcher.run())
    try:
        await receiver.wait_for("/hangs", arrived=True)
        await receiver.wait_for("/quick")
        assert receiver.at("/hangs") == []  # still waiting for its answer
    finally:
        running.cancel()
        receiver.release()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_subscription_gets_its_events_in_order_one_at_a_time(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    await subscribe(client, seller, receiver.url("/ordered"), ["batch.completed"])
    for n in range(5):
        await emit(runtime, seller, n)
    dispatcher = runtime.dispatcher()
    running = asyncio.create_task(dispatcher.run())
    try:
        await receiver.wait_for("/ordered", 5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert [r.payload["message"] for r in receiver.at("/ordered")] == [0, 1, 2, 3, 4]


async def test_a_deleted_subscription_gets_nothing_more(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/gone"), ["batch.completed"])
    await emit(runtime, seller)

    deleted = await client.delete(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)
    assert deleted.status_code == 204
    async with runtime.unit.write() as session:
        later = await webhooks.emit(
            session, seller.seller_id, "batch.completed", "m", runtime.clock.now()
        )

    assert later is None
    assert await deliver_due(runtime) == 0
    assert receiver.received == []


async def stored_events(runtime: Runtime) -> int:
    async with runtime.unit.read() as session:
        statement = select(func.count()).select_from(WebhookEvent)
        return int((await session.execute(statement)).scalar_one())


async def test_an_event_goes_with_the_last_subscription_that_had_it(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    first = await subscribe(client, seller, receiver.url("/first"), ["batch.completed"])
    second = await subscribe(client, seller, receiver.url("/second"), ["batch.completed"])
    await emit(runtime, seller)
    assert await stored_events(runtime) == 1

    await client.delete(f"/api/v1/webhooks/{first.id}", headers=seller.headers)
    assert await stored_events(runtime) == 1  # the second subscription's delivery needs it
    await client.delete(f"/api/v1/webhooks/{second.id}", headers=seller.headers)
    assert await stored_events(runtime) == 0


async def test_a_subscription_made_later_gets_nothing_earlier(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    async with runtime.unit.write() as session:
        earlier = await webhooks.emit(
            session, seller.seller_id, "batch.completed", "m", runtime.clock.now()
        )
    await subscribe(client, seller, receiver.url("/late"), ["batch.completed"])

    assert earlier is None
    assert await deliver_due(runtime) == 0


async def test_during_a_rotation_both_secrets_sign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/rotated"), ["batch.completed"])
    rotated = await client.post(f"/api/v1/webhooks/{hook.id}/rotate-secret", headers=seller.headers)
    new_secret = rotated.json()["client_secret"]
    await emit(runtime, seller)
    await deliver_due(runtime)
    clock.advance(runtime.settings.webhook_secret_grace_hours * 3600 + 1)
    await emit(runtime, seller)
    await deliver_due(runtime)

    during, after = receiver.at("/rotated")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert standard_signature_matches(hook.secret, during)
    assert standard_signature_matches(new_secret, during)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert not standard_signature_matches(hook.secret, after)
    assert standard_signature_matches(new_secret, after)


async def test_a_delivery_is_failed_after_its_window_and_a_failing_subscription_disabled(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/down"), ["batch.completed"])
    receiver.answer("/down", *[503] * 100)
    await emit(runtime, seller)
    window = runtime.settings.webhook_retry_hours * 3600
    for _ in range(int(window // 3600) + 2):  # an hour at a time, past the window's end
        await deliver_due(runtime)
        entry = (await delivery_log(client, seller, hook.id))["items"][0]
        if entry["status"] != "pending":
            break
        clock.advance(3600)
    assert entry["status"] == "failed"
    assert entry["last_error"] == (
        f"the receiver answered 503; not delivered within {window / 3600:g} hours; no more attempts"
    )
    assert (await client.get(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)).json()[
        "enabled"
    ] is True

    clock.advance(runtime.settings.webhook_disable_after_hours * 3600)
    await emit(runtime, seller)
    await deliver_due(runtime)

    newest = (await delivery_log(client, seller, hook.id))["items"][0]
    assert newest["last_error"].startswith(
        "the receiver answered 503; subscription disabled: every delivery has failed since "
    )
    stored = await client.get(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)
    assert stored.json()["enabled"] is False
    async with runtime.unit.write() as session:  # disabled: nothing more is queued for it
        assert (
            await webhooks.emit(
                session, seller.seller_id, "batch.completed", "m", runtime.clock.now()
            )
            is None
        )
    clock.advance(LATER_SECONDS)
    assert await deliver_due(runtime) == 0


async def test_the_delivery_log_pages_newest_first_and_redelivers(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/log"), ["batch.completed"])
    for n in range(3):
        await emit(runtime, seller, n)
        clock.advance(1)
    await deliver_due(runtime)

    first = await delivery_log(client, seller, hook.id, per_page=2)
    second = await delivery_log(client, seller, hook.id, per_page=2, page=2)

    assert first["pagination"]["total"] == 3
    entries = first["items"] + second["items"]
    assert [e["created_at"] for e in entries] == sorted(
        (e["created_at"] for e in entries), reverse=True
    )
    assert {e["status"] for e in entries} == {"delivered"}
    assert set(entries[0]) == {
        "id",
        "event_id",
        "event",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    }
    oldest = entries[-1]
    path = f"/api/v1/webhooks/{hook.id}/deliveries/{oldest['id']}/redeliver"
    again = await client.post(path, headers=seller.headers)
    assert again.status_code == 202
    assert again.json()["status"] == "pending"
    await deliver_due(runtime)
    assert [r.payload["message"] for r in receiver.at("/log")] == [0, 1, 2, 0]
    unknown = await client.post(
        f"/api/v1/webhooks/{hook.id}/deliveries/{uuid.uuid4()}/redeliver", headers=seller.headers
    )
    assert unknown.status_code == 404


async def test_the_target_is_checked_again_at_each_attempt(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/private"), ["batch.completed"])
    await emit(runtime, seller)
    config = runtime.webhook_config()
    strict = dataclasses.replace(config, policy=TargetPolicy(http_hosts=frozenset({"127.0.0.1"})))
    runtime.webhook_config = lambda: strict  # type: ignore[method-assign]

    await deliver_due(runtime)

    assert receiver.arrived == []
    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    assert entry["status"] == "pending"
    assert entry["last_response_code"] is None
    assert entry["last_error"] == not_public("127.0.0.1")


async def test_a_receiver_that_does_not_answer_in_time_is_retried(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/slow"), ["batch.completed"])
    receiver.hold("/slow")
    await emit(runtime, seller)
    config = dataclasses.replace(runtime.webhook_config(), timeout_seconds=0.2)
    runtime.webhook_config = lambda: config  # type: ignore[method-assign]

    await deliver_due(runtime)

    [entry] = (await delivery_log(client, seller, hook.id))["items"]
    assert entry["status"] == "pending"
    assert entry["last_error"] == "no answer within 0.2 s"


async def test_a_dispatcher_with_nothing_due_writes_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    """It looks every poll interval: with nothing due that look is a read, not a claim (a write
    transaction, which on SQLite takes the database's write lock and a fsync)."""
    await subscribe(client, seller, receiver.url("/slow"), ["batch.completed"])
    receiver.answer("/slow", 500)
    await emit(runtime, seller)
    assert await deliver_due(runtime) == 1  # failed: its next try waits for its backoff
    sent: list[str] = []

    def record(_c: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        sent.append(" ".join(sql.split()[:2]).upper())

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        idle = await runtime.dispatcher().run_once()
        while_idle = list(sent)
        clock.advance(LATER_SECONDS)
        due = await runtime.dispatcher().run_once()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert (idle, due) == (False, True)
    assert [statement for statement in while_idle if statement != "BEGIN"] == [
        "SELECT WEBHOOK_DELIVERIES.ID"
    ]
    assert "UPDATE WEBHOOK_DELIVERIES" in sent[len(while_idle) :]
