"""Valid product items against the demo catalogue, and a way to push them through the API."""

from __future__ import annotations

import copy
import zlib
from typing import Any

import httpx
from stdnum import ean as ean_checksum

from sellers_center.runtime import Runtime
from tests.support import SellerKey

JACKETS = 112  # Women > Clothing > Jackets & coats > Jackets: textile, jacket_style required
BLACK, NAVY = 1001, 1002
SIZE_S, SIZE_M = 1203, 1204
BRAND = 1101
BOMBER = 2201
SHELL = 1601
COTTON = 1701


def ean(serial: int, prefix: str = "40063813") -> str:
    """A valid EAN-13 under a German GS1 prefix."""
    body = f"{prefix}{serial:04d}"
    return body + ean_checksum.calc_check_digit(body)


def jacket(sku: str = "JKT-1-S", style_key: str = "JKT-1", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "style_key": style_key,
        "sku": sku,
        "ean": ean(zlib.crc32(sku.encode()) % 10_000),
        "hs_code": "6202400000",
        "name": "Aurora",
        "descriptions": {"en": "A light bomber jacket.", "de": "Eine leichte Bomberjacke."},
        "color": BLACK,
        "size": SIZE_S,
        "brand": BRAND,
        "category": JACKETS,
        "quantity": 5,
        "weight": 800,
        "countries": ["DE", "AT"],
        "country_of_origin": "PT",
        "attributes": [BOMBER],
        "material_composition_textile": [
            {"cluster_id": SHELL, "components": [{"material_id": COTTON, "fraction": 100}]}
        ],
        "prices": [
            {"country_code": "DE", "retail_price": 129.95},
            {"country_code": "AT", "retail_price": 134.95, "sale_price": 99.95},
        ],
        "images": ["https://img.example.com/jkt-1-front.jpg"],
    }
    item.update(copy.deepcopy(changes))
    return item


async def upsert(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """Submit one products batch, let a worker process it, and return its results."""
    submitted = await client.post(
        "/api/v1/products/", json={"items": items}, headers=seller.headers
    )
    assert submitted.status_code == 200, submitted.text
    batch_id = submitted.json()["batchRequestId"]
    assert await runtime.worker().run_once() is True
    response = await client.get(
        "/api/v1/results/products", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    results: dict[str, Any] = response.json()
    return results
