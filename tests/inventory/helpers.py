"""Stock and price batches through the API: submitting, processing, reading back."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from sellers_center.db.tables import ProductVariant, VariantPrice
from sellers_center.runtime import Runtime
from tests.support import SellerKey

SKU = "JKT-1-S"
STORED_PRICES = [
    {"country_code": "DE", "retail_price": 129.95, "sale_price": None},
    {"country_code": "AT", "retail_price": 134.95, "sale_price": 99.95},
]


async def put(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    kind: str,
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    """Submit one stocks or prices batch, let a worker process it, and return its results."""
    submitted = await client.put(
        f"/api/v1/products/{kind}", json={"items": items}, headers=seller.headers
    )
    assert submitted.status_code == 200, submitted.text
    return await processed(client, runtime, seller, kind, submitted.json()["batchRequestId"])


async def processed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, batch_id: str
) -> dict[str, Any]:
    assert await runtime.worker().run_once() is True
    return await processed_results(client, seller, kind, batch_id)


async def processed_results(
    client: httpx.AsyncClient, seller: SellerKey, kind: str, batch_id: str
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/results/{kind}", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    results: dict[str, Any] = response.json()
    assert results["batchRequestId"] == batch_id
    assert results["status"] == "completed"
    return results


def errors_of(results: dict[str, Any]) -> list[list[str]]:
    return [entry["errors"] for entry in results["items"]]


def echoes_of(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["requestItem"] for entry in results["items"]]


async def product(client: httpx.AsyncClient, seller: SellerKey, sku: str = SKU) -> dict[str, Any]:
    response = await client.get("/api/v1/products/", params={"sku": sku}, headers=seller.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == 1
    return items[0]


async def stored_data(runtime: Runtime, sku: str = SKU) -> str:
    """The SKU's stored prices as JSON text, each amount as the database holds it."""
    statement = (
        select(VariantPrice.country_code, VariantPrice.retail_price, VariantPrice.sale_price)
        .join(ProductVariant, ProductVariant.id == VariantPrice.variant_id)
        .where(ProductVariant.sku == sku, VariantPrice.retail_price.is_not(None))
        .order_by(VariantPrice.position)
    )
    async with runtime.unit.read() as session:
        rows = await session.execute(statement)
        prices = [
            {"country_code": code, "retail_price": retail, "sale_price": sale}
            for code, retail, sale in rows
        ]
    return json.dumps({"prices": prices}, separators=(",", ":"))


def stock(quantity: int, valid_at: str | None = None, sku: str = SKU) -> dict[str, Any]:
    item: dict[str, Any] = {"sku": sku, "quantity": quantity}
    if valid_at is not None:
        item["valid_at"] = valid_at
    return item


def price(
    code: str,
    retail: Any,
    sale: Any = None,
    valid_at: str | None = None,
    sku: str = SKU,
) -> dict[str, Any]:
    amounts: dict[str, Any] = {"country_code": code, "retail_price": retail}
    if sale is not None:
        amounts["sale_price"] = sale
    item: dict[str, Any] = {"sku": sku, "price": amounts}
    if valid_at is not None:
        item["valid_at"] = valid_at
    return item


def stock_stale(valid_at: str, applied: str) -> str:
    return (
        f"Stock update for SKU {SKU} is stale: valid_at {valid_at} is older than "
        f"the update applied, valid at {applied}"
    )


def price_stale(code: str, valid_at: str, applied: str) -> str:
    return (
        f"Price update for SKU {SKU} in {code} is stale: valid_at {valid_at} is "
        f"older than the update applied, valid at {applied}"
    )
