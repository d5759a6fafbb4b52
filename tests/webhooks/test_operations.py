"""What operators see: the ``webhooks`` commands and the metrics of delivery."""

from __future__ import annotations

import asyncio
import re

import httpx

from sellers_center.clock import ManualClock
from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from tests.command_line import Outcome, run_command
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import deliver_due, delivery_log, subscribe
from tests.webhooks.receiver import Receiver

pytestmark = BOTH_BACKENDS


async def command(database_url: str, *arguments: str) -> Outcome:
    return await asyncio.to_thread(run_command, database_url, *arguments)


async def emit(runtime: Runtime, seller: SellerKey) -> None:
    async with runtime.unit.write() as session:
        await webhooks.emit(session, seller.seller_id, "batch.completed", {}, runtime.clock.now())


async def test_the_commands_list_webhooks_and_their_deliveries(
    client: httpx.AsyncClient,
    runtime: Runtime,
    database_url: str,
    seller: SellerKey,
    receiver: Receiver,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/ops"), ["batch.completed"])
    receiver.answer("/ops", 502)
    await emit(runtime, seller)
    await deliver_due(runtime)

    listed = await command(database_url, "webhooks", "list", "--seller", seller.name)
    log = await command(database_url, "webhooks", "deliveries", hook.id)
    unknown = await command(database_url, "webhooks", "list", "--seller", "nobody")

    assert listed.returncode == 0, listed.stderr
    assert hook.id in listed.stdout
    assert receiver.url("/ops") in listed.stdout
    assert "batch.completed" in listed.stdout
    assert listed.stdout.rstrip().endswith("1 webhooks.")
    assert hook.secret not in listed.stdout
    assert log.returncode == 0, log.stderr
    assert re.search(
        r"batch\.completed .* pending +│ 1 +│ 502 .*the receiver answered 502", log.stdout
    )
    assert log.stdout.rstrip().endswith("1 deliveries in all; page 1 of 1.")
    assert (unknown.returncode, unknown.stderr) == (1, "error: Seller 'nobody' not found\n")


async def test_metrics_count_deliveries_and_show_the_oldest_pending_age(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    await subscribe(client, seller, receiver.url("/metrics-hook"), ["batch.completed"])
    receiver.answer("/metrics-hook", 500)
    await emit(runtime, seller)
    await deliver_due(runtime)
    clock.advance(90)

    scraped = (await client.get("/metrics")).text

    assert "sellers_center_webhook_pending 1.0" in scraped
    assert "sellers_center_webhook_oldest_pending_age_seconds 90.0" in scraped
    assert 'sellers_center_webhook_deliveries_total{event="batch.completed",outcome="retry"}' in (
        scraped
    )
    assert 'sellers_center_webhook_attempt_seconds_count{result="error"}' in scraped


async def test_maintenance_deletes_deliveries_past_the_retention(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    hook = await subscribe(client, seller, receiver.url("/kept"), ["batch.completed"])
    await emit(runtime, seller)
    await deliver_due(runtime)
    await emit(runtime, seller)  # pending: kept whatever its age
    worker = runtime.worker()
    await worker.run_maintenance()
    kept = await delivery_log(client, seller, hook.id)

    clock.advance(runtime.settings.result_retention_days * 86400 + 1)
    await worker.run_maintenance()
    purged = await delivery_log(client, seller, hook.id)

    assert [entry["status"] for entry in kept["items"]] == ["pending", "delivered"]
    assert [entry["status"] for entry in purged["items"]] == ["pending"]
