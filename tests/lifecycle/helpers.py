"""Small helpers for the lifecycle tests: put a style in a state, send a status batch, read it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from sellers_center.db.tables import ProductStyle
from sellers_center.runtime import Runtime
from tests.support import SellerKey

STATUS = "/api/v1/products/status"
STATUS_RESULTS = "/api/v1/results/status"


async def set_status(runtime: Runtime, style_key: str, status: str) -> None:
    """Put a style straight into ``status`` (no history), to start a test from that state."""
    async with runtime.database.write_session.begin() as session:
        statement = (
            update(ProductStyle)
            .where(ProductStyle.style_key == style_key)
            .values(status=status)
            .returning(ProductStyle.id)
        )
        updated = (await session.execute(statement)).all()
    assert len(updated) == 1, style_key


async def put_status(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, items: list[dict[str, str]]
) -> dict[str, Any]:
    """Submit one status batch, let a worker process it, and return its results."""
    submitted = await client.put(STATUS, json={"items": items}, headers=seller.headers)
    assert submitted.status_code == 200, submitted.text
    batch_id = submitted.json()["batchRequestId"]
    assert await runtime.worker().run_once() is True
    response = await client.get(
        STATUS_RESULTS, params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    results: dict[str, Any] = response.json()
    return results


async def style_status(client: httpx.AsyncClient, seller: SellerKey, style_key: str) -> str:
    """The status the products listing shows for every variant of the style (they agree)."""
    response = await client.get(
        "/api/v1/products/", params={"style_key": style_key}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    statuses = {item["status"] for item in response.json()["items"]}
    assert len(statuses) == 1, statuses
    status: str = statuses.pop()
    return status
