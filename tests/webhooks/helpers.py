"""Subscribing through the API and delivering what is due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sellers_center.runtime import Runtime
from sellers_center.webhooks.rules import EVENT_TYPES
from tests.support import SellerKey

ALL_EVENTS = list(EVENT_TYPES)


@dataclass(frozen=True)
class Subscribed:
    id: str
    secret: str


async def subscribe(
    client: httpx.AsyncClient, seller: SellerKey, url: str, events: list[str] | None = None
) -> Subscribed:
    response = await client.post(
        "/api/v1/webhooks/",
        json={"events": ALL_EVENTS if events is None else events, "url": url},
        headers=seller.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Subscribed(body["id"], body["client_secret"])


async def deliver_due(runtime: Runtime) -> int:
    """Attempt every due delivery, one after another; how many were attempted."""
    dispatcher = runtime.dispatcher()
    attempted = 0
    try:
        while await dispatcher.run_once():
            attempted += 1
    finally:
        await dispatcher.aclose()
    return attempted


async def delivery_log(
    client: httpx.AsyncClient, seller: SellerKey, subscription_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/webhooks/{subscription_id}/deliveries", params=params, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
