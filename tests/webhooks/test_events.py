"""Every event, caused the way a seller or the operator causes it, reaches a real receiver once,
signed both ways; a change rolled back has no event (docs/api.md#webhooks)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import httpx
import pytest
import sqlalchemy
from sqlalchemy import func, select

from sellers_center.clock import ManualClock
from sellers_center.db.tables import WebhookDelivery, WebhookEvent
from sellers_center.engine import repository as engine_queue
from sellers_center.lifecycle import service as lifecycle
from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from tests.engine.helpers import submit
from tests.lifecycle.helpers import put_status
from tests.orders.helpers import batch, place, ship_item
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import deliver_due, subscribe
from tests.webhooks.receiver import Receiver, body_signature_matches, standard_signature_matches

pytestmark = BOTH_BACKENDS

STYLE = "JKT-1"


async def publish_and_activate(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    items = [jacket(f"{STYLE}-S"), jacket(f"{STYLE}-M", size=SIZE_M)]
    stored = await upsert(client, runtime, seller, items)
    assert [entry["success"] for entry in stored["items"]] == [True, True]
    published = await put_status(
        client, runtime, seller, [{"style_key": STYLE, "status": "published"}]
    )
    assert published["items"][0]["errors"] == []
    async with runtime.unit.write() as session:
        await lifecycle.approve(session, seller.seller_id, STYLE, runtime.clock.now())
    await runtime.worker().run_maintenance()  # activation


async def stock_batch(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    response = await client.put(
        "/api/v1/products/stocks",
        json={"items": [{"sku": f"{STYLE}-S", "quantity": 7}]},
        headers=seller.headers,
    )
    assert response.status_code == 200, response.text
    assert await runtime.worker().run_once() is True


async def test_each_event_arrives_once_signed_both_ways(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/all"))
    await publish_and_activate(client, runtime, seller)
    await stock_batch(client, runtime, seller)
    order = await place(runtime, seller, {f"{STYLE}-S": 2})
    first, second = (line.id for line in order.items)
    await batch(client, runtime, seller, "ship-orders", [ship_item([first])])
    await batch(client, runtime, seller, "cancel-orders", [{"id": second}])
    await batch(
        client,
        runtime,
        seller,
        "return-orders",
        [{"order_items": [first], "return_tracking_key": "R1"}],
    )

    assert await deliver_due(runtime) == 19
    received = receiver.at("/all")
    assert [request.event for request in received] == [
        "batch.completed",  # products
        "product_master.status_updated",  # published: pending_approval
        "batch.completed",  # status
        "product_master.status_updated",  # approved: pending_active
        "product_master.status_updated",  # activated: active
        "stock.updated",
        "batch.completed",  # stocks
        "stock.updated",  # the order's units taken
        "order.created",
        "order_items.shipped",
        "order.updated",
        "batch.completed",  # ship
        "stock.updated",  # the cancelled unit given back
        "order_items.cancelled",
        "order.updated",
        "batch.completed",  # cancel
        "order_items.returned",
        "order.updated",
        "batch.completed",  # return
    ]
    for request in received:
        assert standard_signature_matches(hook.secret, request)
        assert body_signature_matches(hook.secret, request)
        assert request.payload["subscription_id"] == hook.id
        assert set(request.payload) == {"id", "event", "timestamp", "subscription_id", "message"}
    assert len({request.payload["id"] for request in received}) == len(received)
    assert len({request.headers["webhook-id"] for request in received}) == len(received)


@pytest.mark.parametrize("event", ["order.created", "stock.updated"])
async def test_messages_are_what_the_api_shows(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver, event: str
) -> None:
    await subscribe(client, seller, receiver.url("/one"), [event, "product_master.status_updated"])
    await publish_and_activate(client, runtime, seller)
    await stock_batch(client, runtime, seller)
    order = await place(runtime, seller, {f"{STYLE}-S": 1})

    await deliver_due(runtime)

    messages = {r.event: r.payload["message"] for r in receiver.at("/one")}
    if event == "order.created":
        listed = await client.get(
            "/api/v1/orders/", params={"order_number": order.order_number}, headers=seller.headers
        )
        assert messages["order.created"] == listed.json()["items"][0]
    else:
        stock = [r.payload["message"] for r in receiver.at("/one") if r.event == event]
        assert stock == [  # the stock batch's 7 units, then one taken by the order
            [{"sku": f"{STYLE}-S", "quantity": 7, "quantity_fbm": None}],
            [{"sku": f"{STYLE}-S", "quantity": 6, "quantity_fbm": None}],
        ]
    assert messages["product_master.status_updated"] == {
        "external_reference_key": STYLE,
        "status": "active",
        "rejection_reasons": [],
        "rejection_message": None,
    }


async def test_the_warehouse_units_the_operator_sets_are_a_stock_event(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    await subscribe(client, seller, receiver.url("/fbm"), ["stock.updated"])
    await stock_batch(client, runtime, seller)  # unknown SKU: nothing changes, nothing is sent
    await upsert(client, runtime, seller, [jacket(f"{STYLE}-S", quantity=3)])
    async with runtime.unit.write() as session:
        await products.set_fbm_stock(
            session, seller.seller_id, f"{STYLE}-S", 4, runtime.clock.now()
        )

    await deliver_due(runtime)

    assert [r.payload["message"] for r in receiver.at("/fbm")] == [
        [{"sku": f"{STYLE}-S", "quantity": 3, "quantity_fbm": 4}]
    ]


async def test_a_failed_batch_is_an_event(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    await subscribe(client, seller, receiver.url("/batches"), ["batch.failed"])
    batch_id = await submit(
        runtime.database, seller.seller_id, {"items": [{"value": "a"}]}, runtime.clock.now()
    )
    worker = runtime.worker()
    for _ in range(runtime.settings.max_attempts):  # every attempt's worker lost
        async with runtime.unit.write() as session:
            now = runtime.clock.now()
            claimed = await engine_queue.claim_next(
                session, owner="lost", now=now, lease_until=now + timedelta(seconds=30)
            )
            assert claimed is not None
        clock.advance(31)
        await worker.maintenance.expire_leases()

    await deliver_due(runtime)

    [request] = receiver.at("/batches")
    assert request.payload["message"] == {
        "kind": "echo",
        "batch_id": str(batch_id),
        "status": "failed",
        "succeeded": 0,
        "failed": 1,
    }


async def test_a_change_rolled_back_has_no_event(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    await subscribe(client, seller, receiver.url("/all"))

    async def change_failing_after_its_event() -> None:
        async with runtime.unit.write() as session:
            emitted = await webhooks.emit(
                session, seller.seller_id, "stock.updated", [], runtime.clock.now()
            )
            assert isinstance(emitted, uuid.UUID)
            raise RuntimeError("the change fails after its event")

    with pytest.raises(RuntimeError, match="the change fails"):
        await change_failing_after_its_event()

    async with runtime.unit.read() as session:
        assert (
            await session.execute(select(func.count()).select_from(WebhookEvent))
        ).scalar_one() == 0
        assert (
            await session.execute(select(func.count()).select_from(WebhookDelivery))
        ).scalar_one() == 0
    assert await deliver_due(runtime) == 0


async def test_a_seller_never_receives_another_sellers_events(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    receiver: Receiver,
) -> None:
    await subscribe(client, seller, receiver.url("/a"))
    await subscribe(client, other_seller, receiver.url("/b"))

    await upsert(client, runtime, seller, [jacket(f"{STYLE}-S")])
    await deliver_due(runtime)

    assert receiver.events_at("/a") == ["batch.completed"]
    assert receiver.events_at("/b") == []
    assert Counter(r.path for r in receiver.received) == {"/a": 1}


async def test_asking_who_wants_an_event_and_emitting_it_read_the_subscriptions_once(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    await subscribe(client, seller, receiver.url("/one"), ["batch.completed"])
    reads: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM webhook_subscriptions" in statement:
            reads.append(statement)

    sync_engine = runtime.database.engine.sync_engine
    sqlalchemy.event.listen(sync_engine, "before_cursor_execute", record)
    try:
        async with runtime.unit.write() as session:
            now = runtime.clock.now()
            assert await webhooks.wanted(session, seller.seller_id, ["batch.completed"])
            assert await webhooks.emit(session, seller.seller_id, "batch.completed", 1, now)
    finally:
        sqlalchemy.event.remove(sync_engine, "before_cursor_execute", record)

    assert len(reads) == 1


async def test_a_subscription_changed_in_the_transaction_is_read_again(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, receiver: Receiver
) -> None:
    hook = await subscribe(client, seller, receiver.url("/one"), ["batch.completed"])

    async with runtime.unit.write() as session:
        now = runtime.clock.now()
        assert await webhooks.wanted(session, seller.seller_id, ["batch.completed"])
        change = webhooks.SubscriptionChange(enabled=False)
        await webhooks.update(session, seller.seller_id, uuid.UUID(hook.id), change, now=now)
        assert not await webhooks.wanted(session, seller.seller_id, ["batch.completed"])
        assert await webhooks.emit(session, seller.seller_id, "batch.completed", 1, now) is None
