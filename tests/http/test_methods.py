"""405 names every method a path serves; a client that leaves mid-body is no server error."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests import support
from tests.http.helpers import JSON, count_batches
from tests.support import SellerKey


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        # ``/products/{sku}`` matches these paths too: DELETE of a SKU named "stocks" is served.
        ("PATCH", "/api/v1/products/stocks", "DELETE, PUT"),
        ("POST", "/api/v1/products/prices/", "DELETE, PUT"),
        ("GET", "/api/v1/products/status", "DELETE, PUT"),
        ("PUT", "/api/v1/products/", "GET, POST"),
        ("POST", "/api/v1/products/rejected", "DELETE, GET"),
        ("PUT", "/api/v1/products/AURORA-BLK-S", "DELETE"),
        ("POST", "/api/v1/results/stocks", "GET"),
    ],
)
async def test_405_allows_every_method_the_path_serves(
    client: httpx.AsyncClient, seller: SellerKey, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path, headers=seller.headers)

    assert response.status_code == 405
    assert response.headers["content-type"] == JSON
    assert response.headers["allow"] == allowed
    assert response.json() == {
        "message": f"Method {method} is not allowed on {path} (allowed: {allowed})"
    }


async def test_a_client_leaving_mid_body_is_logged_as_info_not_error(
    runtime: Runtime, seller: SellerKey, caplog: pytest.LogCaptureFixture
) -> None:
    incoming: list[MutableMapping[str, Any]] = [
        {"type": "http.request", "body": b'{"items": [{"sku": "AURO', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "path": "/api/v1/products/stocks",
        "raw_path": b"/api/v1/products/stocks",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-api-key", seller.key.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    with caplog.at_level(logging.DEBUG):
        await support.app_of(runtime)(scope, receive, send)

    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert (
        "sellers_center.http.errors",
        logging.INFO,
        "client disconnected before sending the whole body of PUT /api/v1/products/stocks",
    ) in caplog.record_tuples
    assert sent[0]["status"] == 400
    assert await count_batches(runtime) == 0
