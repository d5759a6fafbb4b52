"""A submission authenticates, counts its call and checks its body before its write transaction
opens: a caller refused with 401, 422 or 429 never waits for the write lock (on SQLite a worker
applying a batch holds it), and whatever order a handler declares its session and its seller in,
authentication never asks for a read inside a write it cannot have (no 500)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI

from sellers_center.accounts.service import Principal
from sellers_center.app import create_app
from sellers_center.http.dependencies import ReadSession, WriteSession, authenticated
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.http.helpers import SUBMITS, assert_422, body_of, count_batches, send
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

# A bound, not an expectation: a refused submission needs no write lock at all.
REFUSAL_BOUND_SECONDS = 10
STOCK_BODY = body_of(SUBMITS["stocks"][2])
PROBE_BUCKET = "probe"
ProbeSeller = Annotated[Principal, authenticated(PROBE_BUCKET, 100)]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limits": {"stocks.submit": 1}})


@contextlib.asynccontextmanager
async def write_lock_held(runtime: Runtime) -> AsyncIterator[None]:
    """Another task (a worker applying a batch) inside a write transaction for the block."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with runtime.unit.write():
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        async with asyncio.timeout(REFUSAL_BOUND_SECONDS):
            yield
    finally:
        release.set()
        await holder


async def test_an_unknown_key_is_401_while_another_task_holds_the_write_lock(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    async with write_lock_held(runtime):
        response = await send(client, "stocks", STOCK_BODY, {"X-API-Key": "sk_unknown"})

    assert response.status_code == 401, response.text
    assert response.json() == {"message": "Invalid API key"}


async def test_a_bad_body_is_422_while_another_task_holds_the_write_lock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    async with write_lock_held(runtime):
        response = await send(client, "stocks", b'{"items": []}', seller.headers)

    assert_422(response, ["body", "items"], "too_short")


async def test_a_call_over_the_limit_is_429_while_another_task_holds_the_write_lock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert (await send(client, "stocks", STOCK_BODY, seller.headers)).status_code == 200
    async with write_lock_held(runtime):
        response = await send(client, "stocks", STOCK_BODY, seller.headers)

    assert response.status_code == 429, response.text
    assert await count_batches(runtime) == 1


def probe_app(runtime: Runtime) -> FastAPI:
    """The app with two probe routes declaring a write session and the seller in both orders,
    and one declaring a read session after the seller."""
    app = create_app(runtime)

    async def write_then_seller(session: WriteSession, principal: ProbeSeller) -> int:
        return principal.seller_id

    async def seller_then_write(principal: ProbeSeller, session: WriteSession) -> int:
        return principal.seller_id

    async def seller_then_read(principal: ProbeSeller, session: ReadSession) -> int:
        return principal.seller_id

    handlers: dict[str, Callable[..., Awaitable[int]]] = {
        "write-then-seller": write_then_seller,
        "seller-then-write": seller_then_write,
        "seller-then-read": seller_then_read,
    }
    for name, handler in handlers.items():
        app.router.add_api_route(f"/probe/{name}", handler, methods=["POST"])
    return app


@pytest.mark.parametrize("route", ["write-then-seller", "seller-then-write", "seller-then-read"])
async def test_a_session_and_the_seller_compose_in_either_order(
    runtime: Runtime, seller: SellerKey, route: str
) -> None:
    transport = httpx.ASGITransport(app=probe_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        allowed = await client.post(f"/probe/{route}", headers=seller.headers)
        refused = await client.post(f"/probe/{route}", headers={"X-API-Key": "sk_unknown"})

    assert (allowed.status_code, refused.status_code) == (200, 401), allowed.text
