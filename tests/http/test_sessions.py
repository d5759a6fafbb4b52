"""Sessions are request dependencies: one transaction per request, authentication included,
except submissions, which authenticate before their write transaction opens; a commit that fails
is the request's answer (503), not a 200; a submitted body is read before the write transaction
opens."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from sellers_center.http.errors import DATABASE_UNAVAILABLE
from sellers_center.runtime import Runtime
from tests.http.helpers import KINDS, SUBMITS, body_of, count_batches, send
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

# A bound, not an expectation: the other writer needs only a free write lock.
WRITE_BOUND_SECONDS = 10


@pytest.fixture
def transactions(runtime: Runtime) -> Iterator[list[str]]:
    """Each transaction begun on the runtime's database while the test runs."""
    begun: list[str] = []

    def record(connection: Any) -> None:
        begun.append("begin")

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "begin", record)
    yield begun
    event.remove(engine, "begin", record)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/products/"),
        ("GET", "/api/v1/products/rejected"),
        ("DELETE", "/api/v1/products/NOPE-1"),
        ("GET", "/api/v1/results/products?batch_request_id=0190e6a4-0000-7000-8000-000000000000"),
    ],
)
async def test_a_request_and_its_authentication_share_one_transaction(
    client: httpx.AsyncClient,
    seller: SellerKey,
    transactions: list[str],
    method: str,
    path: str,
) -> None:
    response = await client.request(method, path, headers=seller.headers)

    assert response.status_code in (200, 404), response.text
    assert transactions == ["begin"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_submission_authenticates_in_a_read_that_ends_before_its_write_begins(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    """The key is looked up and the call counted before the write transaction opens: on SQLite
    that transaction holds the one write lock, which a refusal must not wait for."""
    steps: list[str] = []

    def begun(connection: Any) -> None:
        steps.append("begin")

    def returned(connection: Any, record: Any) -> None:
        steps.append("end")

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "begin", begun)
    event.listen(engine.pool, "checkin", returned)
    try:
        response = await send(client, kind, body_of(SUBMITS[kind][2]), seller.headers)
    finally:
        event.remove(engine, "begin", begun)
        event.remove(engine.pool, "checkin", returned)

    assert response.status_code == 200, response.text
    assert steps == ["begin", "end", "begin", "end"]
    assert await count_batches(runtime) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_commit_that_fails_is_answered_503_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    engine = runtime.database.engine.sync_engine

    def refuse(connection: Any) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    event.listen(engine, "commit", refuse)
    try:
        response = await send(client, kind, body_of(SUBMITS[kind][2]), seller.headers)
    finally:
        event.remove(engine, "commit", refuse)

    assert response.status_code == 503, response.text
    assert response.json() == {"message": DATABASE_UNAVAILABLE}
    assert response.headers["retry-after"] == "2"
    assert await count_batches(runtime) == 0


async def test_the_write_lock_is_free_while_a_submitted_body_arrives(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = body_of(SUBMITS["stocks"][2])
    first_half_sent = asyncio.Event()
    rest_may_come = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield body[:10]
        first_half_sent.set()
        await rest_may_come.wait()
        yield body[10:]

    submitting = asyncio.create_task(
        client.put("/api/v1/products/stocks", content=slow_body(), headers=seller.headers)
    )
    await first_half_sent.wait()
    async with asyncio.timeout(WRITE_BOUND_SECONDS), runtime.unit.write() as session:
        assert session is not None  # another writer gets the lock while the body is pending
    rest_may_come.set()
    response = await submitting

    assert response.status_code == 200, response.text
    assert await count_batches(runtime) == 1
