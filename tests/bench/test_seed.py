"""Rows grown by bench/seed.py are read by the service as the rows it stored itself: seeded
variants are listed and clash on their EANs, seeded batches answer with their template's
results, are not claimable and stay inside the retention."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from bench import payloads, seed
from sellers_center.clock import ManualClock
from sellers_center.products.rules import messages
from sellers_center.runtime import Runtime
from tests.products.factory import upsert
from tests.support import SellerKey


def database_file(runtime: Runtime) -> Path:
    return Path(str(make_url(runtime.settings.database_url).database))


@pytest.fixture
async def ten_variants(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    """Two styles of five variants each, stored by the service."""
    results = await upsert(
        client, runtime, seller, json.loads(payloads.product_batch(0, 10))["items"]
    )
    assert all(item["success"] for item in results["items"])


async def listed(client: httpx.AsyncClient, seller: SellerKey, sku: str) -> dict[str, object]:
    response = await client.get("/api/v1/products/", params={"sku": sku}, headers=seller.headers)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    return dict(item)


async def test_seeded_variants_are_listed_like_their_template(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, ten_variants: None
) -> None:
    added = seed.seed_variants(database_file(runtime), seller.seller_id, 23)

    assert added == 13
    assert seed.count(database_file(runtime), "product_variants", seller.seller_id) == 23
    template = await listed(client, seller, "STY-0000000-1")
    copy = await listed(client, seller, "SEED-00000000-1")
    assert copy["style_key"] == "SEED-00000000"
    assert copy["ean"] != template["ean"]
    assert copy["colorway_key"] == f"SEED-00000000-{template['color']}"
    changed = {"sku", "ean", "style_key", "colorway_key"}
    assert {k: v for k, v in copy.items() if k not in changed} == {
        k: v for k, v in template.items() if k not in changed
    }


async def test_a_seeded_ean_is_taken_for_a_new_sku(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, ten_variants: None
) -> None:
    seed.seed_variants(database_file(runtime), seller.seller_id, 15)
    seeded_ean = (await listed(client, seller, "SEED-00000000-0"))["ean"]
    assert isinstance(seeded_ean, str)
    [item] = json.loads(payloads.product_batch(900, 1))["items"]

    results = await upsert(client, runtime, seller, [{**item, "ean": seeded_ean}])

    assert results["items"][0]["errors"] == [messages.ean_taken(seeded_ean, "SEED-00000000-0")]


async def test_seeded_batches_answer_like_their_template_and_stay(
    client: httpx.AsyncClient,
    runtime: Runtime,
    clock: ManualClock,
    seller: SellerKey,
    ten_variants: None,
) -> None:
    submitted = await client.put(
        "/api/v1/products/stocks",
        json={"items": [{"sku": "STY-0000000-0", "quantity": 3}]},
        headers=seller.headers,
    )
    template_id = submitted.json()["batchRequestId"]
    assert await runtime.worker().run_once() is True
    database = database_file(runtime)

    added = seed.seed_batches(database, template_id, 30, now=clock.now())

    assert added == 28  # beside the product batch and the template
    ids = seed.stored_batch_ids(database, "stocks", 5)
    assert len(ids) == 5
    template = await stock_result(client, seller, template_id)
    for batch_id in ids:
        copy = await stock_result(client, seller, batch_id)
        assert copy == {**template, "batchRequestId": batch_id}
    assert await runtime.worker().run_once() is False
    await runtime.worker().run_maintenance()
    assert len(seed.stored_batch_ids(database, "stocks", 100)) == 29
    # Past the retention (30 days) of the newest seeded batch, not of the template.
    clock.advance(timedelta(days=30).total_seconds() - 1)
    await runtime.worker().run_maintenance()
    assert seed.stored_batch_ids(database, "stocks", 100) == [template_id]


async def stock_result(
    client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> dict[str, object]:
    response = await client.get(
        "/api/v1/results/stocks", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    return dict(response.json())
