"""What the HTTP-edge tests share: the four submit endpoints, a valid body for each, counts."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import func, select

from sellers_center.db.tables import Batch
from sellers_center.runtime import Runtime

JSON = "application/json; charset=utf-8"

PRODUCT_ITEM: dict[str, Any] = {
    "style_key": "AURORA",
    "sku": "AURORA-BLK-S",
    "ean": "4006381333931",
    "color": 1001,
    "size": 1203,
    "brand": 1101,
    "category": 112,
    "weight": 800,
    "country_of_origin": "PT",
    "attributes": [2201],
    "material_composition_textile": [
        {"cluster_id": 1601, "components": [{"material_id": 1701, "fraction": 100}]}
    ],
    "countries": ["DE"],
    "prices": [{"country_code": "DE", "retail_price": 129.95}],
    "images": ["https://img.example.com/aurora-front.jpg"],
}
STATUS_ITEM: dict[str, Any] = {"style_key": "AURORA", "status": "published"}
STOCK_ITEM: dict[str, Any] = {"sku": "AURORA-BLK-S", "quantity": 12}
PRICE_ITEM: dict[str, Any] = {
    "sku": "AURORA-BLK-S",
    "price": {"country_code": "DE", "retail_price": "129.95"},
}

# (method, path, one valid item) of each submit endpoint.
SUBMITS = {
    "products": ("POST", "/api/v1/products/", PRODUCT_ITEM),
    "status": ("PUT", "/api/v1/products/status", STATUS_ITEM),
    "stocks": ("PUT", "/api/v1/products/stocks", STOCK_ITEM),
    "prices": ("PUT", "/api/v1/products/prices", PRICE_ITEM),
}
KINDS = list(SUBMITS)


def body_of(item: dict[str, Any]) -> bytes:
    return json.dumps({"items": [item]}).encode()


async def send(
    client: httpx.AsyncClient,
    kind: str,
    content: bytes,
    headers: dict[str, str],
) -> httpx.Response:
    method, path, _ = SUBMITS[kind]
    return await client.request(method, path, content=content, headers=headers)


async def count_batches(runtime: Runtime) -> int:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(func.count()).select_from(Batch))).scalar_one()


def assert_422(response: httpx.Response, loc: list[str | int], error_type: str) -> dict[str, Any]:
    """A 422 whose only ``detail`` entry is at ``loc``, with ``message`` naming it; returns it."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert set(body) == {"detail", "message"}
    [entry] = body["detail"]
    assert (entry["type"], entry["loc"]) == (error_type, loc)
    where = ".".join(str(part) for part in loc)
    assert body["message"] == f"Invalid request: {where}: {entry['msg']}"
    return dict(entry)
