"""Work the worker does once per batch: an exact body is parsed once for its typed items and its
echo; an upsert item becomes its domain value once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sellers_center.engine import payload
from sellers_center.products.schemas import UpsertProductItemSchema
from sellers_center.products.variant import Variant
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of, price
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import SellerKey


async def test_a_price_batch_body_is_parsed_once_by_the_worker(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert errors_of(await upsert(client, runtime, seller, [jacket()])) == [[]]
    parses: list[bytes] = []
    exact_json = payload.exact_json

    def counted(body: bytes) -> Any:
        parses.append(body)
        return exact_json(body)

    items = [price("DE", "139.90"), price("AT", 139.9)]
    submitted = await client.put(
        "/api/v1/products/prices", json={"items": items}, headers=seller.headers
    )
    assert submitted.status_code == 200, submitted.text
    monkeypatch.setattr(payload, "exact_json", counted)

    assert await runtime.worker().run_once() is True

    assert len(parses) == 1
    monkeypatch.undo()
    results = await client.get(
        "/api/v1/results/prices",
        params={"batch_request_id": submitted.json()["batchRequestId"]},
        headers=seller.headers,
    )
    assert [entry["requestItem"] for entry in results.json()["items"]] == items


async def test_each_upsert_item_becomes_a_variant_once(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    of = Variant.of

    def counted(item: UpsertProductItemSchema) -> Variant:
        built.append(item.sku)
        return of(item)

    monkeypatch.setattr(Variant, "of", counted)
    items = [jacket(), jacket("JKT-1-M", size=SIZE_M), jacket("JKT-2-S", "JKT-2", brand=1)]

    results = await upsert(client, runtime, seller, items)

    assert [entry["success"] for entry in results["items"]] == [True, True, False]
    assert built == ["JKT-1-S", "JKT-1-M", "JKT-2-S"]
