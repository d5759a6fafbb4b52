"""A subscription's target is resolved before its write transaction opens: resolving may take
seconds (up to target.RESOLVE_TIMEOUT_SECONDS), and on SQLite an open write holds the process's
write lock, a worker's claims included."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.support import SellerKey
from tests.webhooks.helpers import subscribe
from tests.webhooks.receiver import WAIT_SECONDS

PUBLIC = "93.184.216.34"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


class SlowResolver:
    """A resolver that answers once released, and tells when it has been asked."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def __call__(self, host: str, port: object, *args: object, **kwargs: object) -> list[Any]:
        self.asked.set()
        assert self.release.wait(WAIT_SECONDS)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, 443))]


async def writes_while_resolving(
    runtime: Runtime, resolver: SlowResolver, request: Coroutine[Any, Any, httpx.Response]
) -> httpx.Response:
    """Whether another write transaction runs while ``request`` resolves its target; the
    request's answer once the resolver is released."""
    sent = asyncio.create_task(request)
    try:
        assert await asyncio.to_thread(resolver.asked.wait, WAIT_SECONDS)

        async def write() -> None:
            async with runtime.unit.write():
                pass

        await asyncio.wait_for(write(), WAIT_SECONDS)
    finally:
        resolver.release.set()
    return await sent


async def test_creating_resolves_before_the_write_opens(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolver = SlowResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    request = client.post(
        "/api/v1/webhooks/",
        json={"events": ["order.created"], "url": "https://hooks.example/"},
        headers=seller.headers,
    )

    response = await writes_while_resolving(runtime, resolver, request)

    assert response.status_code == 201, response.text


async def test_changing_the_url_resolves_before_the_write_opens(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = await subscribe(client, seller, f"https://{PUBLIC}/", ["order.created"])
    resolver = SlowResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    request = client.patch(
        f"/api/v1/webhooks/{hook.id}",
        json={"url": "https://hooks.example/"},
        headers=seller.headers,
    )

    response = await writes_while_resolving(runtime, resolver, request)

    assert response.status_code == 200, response.text
    assert response.json()["url"] == "https://hooks.example/"
