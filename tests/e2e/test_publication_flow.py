"""The flow a shop plugin follows against a real ``sellers-center serve`` process
(docs/api.md#batches, #publication-status-batches).

Upsert two variants of one style, publish the style with the keys the results echo, and watch it
become active: after an operator's ``review approve`` (the worker's maintenance step activates
it), or at once in sandbox mode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import POLL_INTERVAL_SECONDS, running_server
from tests.products.factory import SIZE_M, SIZE_S, ean, jacket

pytestmark = pytest.mark.slow

WAIT_SECONDS = 30

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining")
FINAL = {"completed", "failed"}

STYLE_KEY = "FLOW-1"
VARIANTS = [
    jacket(sku="FLOW-1-S", style_key=STYLE_KEY, size=SIZE_S, ean=ean(4101)),
    jacket(sku="FLOW-1-M", style_key=STYLE_KEY, size=SIZE_M, ean=ean(4102)),
]


def flow_settings(*, sandbox: bool) -> dict[str, str]:
    return {
        "SELLERS_CENTER_MAINTENANCE_INTERVAL_SECONDS": "0.2",
        "SELLERS_CENTER_WORKER_POLL_SECONDS": "0.05",
        "SELLERS_CENTER_SANDBOX": "true" if sandbox else "false",
    }


def assert_rate_limited(response: httpx.Response) -> None:
    for name in RATE_LIMIT_HEADERS:
        assert name in response.headers, (response.request.url, dict(response.headers))
        assert int(response.headers[name]) >= 0


def poll(
    get: Callable[[], httpx.Response], done: Callable[[dict[str, Any]], bool], what: str
) -> httpx.Response:
    """Ask until ``done`` holds for the answer, within ``WAIT_SECONDS``."""
    deadline = time.monotonic() + WAIT_SECONDS
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        last = get()
        assert last.status_code == 200, last.text
        if done(last.json()):
            return last
        time.sleep(POLL_INTERVAL_SECONDS)
    raise AssertionError(
        f"{what} not reached in {WAIT_SECONDS} s; last answer: {last and last.text}"
    )


def batch_results(client: httpx.Client, kind: str, batch_id: str) -> httpx.Response:
    return poll(
        lambda: client.get(f"/api/v1/results/{kind}", params={"batch_request_id": batch_id}),
        lambda body: body["status"] in FINAL,
        f"{kind} batch {batch_id} final",
    )


def style_statuses(client: httpx.Client, style_key: str) -> httpx.Response:
    response = client.get("/api/v1/products/", params={"style_key": style_key})
    assert response.status_code == 200, response.text
    return response


def statuses_of(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((item["sku"], item["status"]) for item in response.json()["items"])


def upsert_and_publish(client: httpx.Client) -> str:
    """The plugin's two batches, each checked; returns the published style key."""
    submitted = client.post("/api/v1/products/", json={"items": VARIANTS})
    assert submitted.status_code == 200, submitted.text
    assert_rate_limited(submitted)
    products_id = submitted.json()["batchRequestId"]

    products = batch_results(client, "products", products_id)
    assert_rate_limited(products)
    body = products.json()
    assert body["batchRequestId"] == products_id
    assert body["status"] == "completed"
    assert [item["requestItem"] for item in body["items"]] == VARIANTS
    assert [(item["success"], item["errors"]) for item in body["items"]] == [(True, [])] * 2

    style_keys: list[str] = list(
        dict.fromkeys(item["requestItem"]["style_key"] for item in body["items"])
    )
    assert style_keys == [STYLE_KEY]
    status_items = [{"style_key": key, "status": "published"} for key in style_keys]
    submitted = client.put("/api/v1/products/status", json={"items": status_items})
    assert submitted.status_code == 200, submitted.text
    assert_rate_limited(submitted)
    status_id = submitted.json()["batchRequestId"]

    results = batch_results(client, "status", status_id)
    assert_rate_limited(results)
    assert results.json() == {
        "batchRequestId": status_id,
        "status": "completed",
        "items": [{"requestItem": status_items[0], "success": True, "errors": []}],
    }
    return style_keys[0]


def test_a_published_style_becomes_active_after_approval(tmp_path: Path) -> None:
    with running_server(tmp_path, settings=flow_settings(sandbox=False)) as server:
        with server.client(server.demo_key()) as client:
            style_key = upsert_and_publish(client)
            waiting = style_statuses(client, style_key)

            approval = server.command("review", "approve", style_key, "--seller", "demo")

            active = poll(
                lambda: style_statuses(client, style_key),
                lambda body: [item["status"] for item in body["items"]] == ["active"] * 2,
                f"style {style_key} active",
            )
        exit_status = server.stop()

    assert_rate_limited(waiting)
    assert statuses_of(waiting) == [
        ("FLOW-1-M", "pending_approval"),
        ("FLOW-1-S", "pending_approval"),
    ]
    assert approval.returncode == 0, approval.stderr
    assert approval.stdout == f"Approved {style_key} of demo; a worker activates it shortly.\n"
    assert_rate_limited(active)
    assert statuses_of(active) == [("FLOW-1-M", "active"), ("FLOW-1-S", "active")]
    assert exit_status == 0


def test_in_sandbox_mode_a_published_style_is_active_at_once(tmp_path: Path) -> None:
    with running_server(tmp_path, settings=flow_settings(sandbox=True)) as server:
        with server.client(server.demo_key()) as client:
            style_key = upsert_and_publish(client)
            active = style_statuses(client, style_key)
            pending = server.command("review", "list", "--seller", "demo")
        exit_status = server.stop()

    assert_rate_limited(active)
    assert statuses_of(active) == [("FLOW-1-M", "active"), ("FLOW-1-S", "active")]
    assert pending.returncode == 0, pending.stderr
    assert style_key not in pending.stdout
    assert exit_status == 0
