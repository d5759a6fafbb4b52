"""The results fast path (``http/fastpath.py``) answers as the FastAPI route does, on both
databases: every read is sent to an app with it and to an app without it (each with its own
runtime over the same database, so each counts its own calls), and the two answers must be the
same status, headers and bytes. Then what only the fast path has: its caches, a revocation seen
at once in the same process, a revocation by another process seen within the key cache's time,
results no longer served once retention may have purged them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update

from sellers_center.accounts import service as accounts
from sellers_center.accounts.keycache import KEY_CACHE_SECONDS
from sellers_center.clock import ManualClock
from sellers_center.db.tables import ApiKey
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from tests import support
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

RESULTS = "/api/v1/results/echo"
BODY = b'{"items": [{"value": "a"}, {"value": "bad"}, {"value": "c"}, {"value": "bad"}]}'
REQUEST_ID = "fast-path-test"
# Calls of results.echo per minute in these tests: the fourth is refused.
LIMIT = 3
Answer = tuple[int, list[tuple[str, str]], bytes]


def answer(response: httpx.Response) -> Answer:
    """What a client can observe, headers in the order sent."""
    return response.status_code, response.headers.multi_items(), response.content


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        worker_poll_seconds=0.05,
        rate_limits_enabled=True,
        rate_limits={"results.echo": LIMIT},
    )


def app_client(runtime: Runtime, *, fast: bool) -> httpx.AsyncClient:
    app = support.app_of(runtime, results_fast_path=fast)
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def plain_runtime(
    settings: Settings, kinds: KindsFactory, clock: ManualClock
) -> AsyncIterator[Runtime]:
    runtime = Runtime.from_settings(settings, kinds)
    runtime.clock = clock
    yield runtime
    await runtime.database.dispose()


@pytest.fixture
async def fast(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(runtime, fast=True) as client:
        yield client


@pytest.fixture
async def plain(plain_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(plain_runtime, fast=False) as client:
        yield client


Read = Callable[..., Awaitable[tuple[httpx.Response, httpx.Response]]]


@pytest.fixture
def both(fast: httpx.AsyncClient, plain: httpx.AsyncClient) -> Read:
    """Send one read to the app with the fast path, then to the app without it."""

    async def read(query: str, headers: dict[str, str], path: str = RESULTS) -> Any:
        sent = {"X-Request-ID": REQUEST_ID, **headers}
        url = f"{path}?{query}" if query else path
        return await fast.get(url, headers=sent), await plain.get(url, headers=sent)

    return read


async def submit(runtime: Runtime, seller: SellerKey, *, process: bool = True) -> str:
    async with app_client(runtime, fast=True) as client:
        response = await client.post("/api/v1/echo/", content=BODY, headers=seller.headers)
    if process:
        assert await runtime.worker().run_once() is True
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def test_a_final_batch_is_answered_alike_first_and_from_the_cache(
    runtime: Runtime, seller: SellerKey, both: Read
) -> None:
    batch_id = await submit(runtime, seller)

    first_fast, first_plain = await both(f"batch_request_id={batch_id}", seller.headers)
    again_fast, again_plain = await both(f"batch_request_id={batch_id}", seller.headers)

    assert answer(first_fast) == answer(first_plain)
    assert answer(again_fast) == answer(again_plain)
    assert first_fast.status_code == 200
    assert first_fast.headers.multi_items() == [
        ("content-length", str(len(first_fast.content))),
        ("content-type", "application/json; charset=utf-8"),
        ("x-ratelimit-limit", str(LIMIT)),
        ("x-ratelimit-remaining", "2"),
        ("x-request-id", REQUEST_ID),
    ]
    assert again_fast.headers["x-ratelimit-remaining"] == "1"
    assert first_fast.json()["status"] == "completed"
    assert again_fast.content == first_fast.content
    assert len(runtime.result_cache) == 1


@pytest.mark.parametrize(
    "paging",
    [
        "only=failed",
        "only=failed&page=2&per_page=1",
        "page=1",
        "per_page=3&page=2&extra=kept",
        "page=9&per_page=2",
    ],
)
async def test_pages_and_failures_are_cut_alike(
    runtime: Runtime, seller: SellerKey, both: Read, paging: str
) -> None:
    batch_id = await submit(runtime, seller)

    for _ in range(2):  # read from the database, then from the cache
        fast, plain = await both(f"batch_request_id={batch_id}&{paging}", seller.headers)
        assert fast.status_code == 200
        assert answer(fast) == answer(plain)


async def test_a_batch_not_final_yet_is_answered_alike_and_never_cached(
    runtime: Runtime, seller: SellerKey, both: Read
) -> None:
    batch_id = await submit(runtime, seller, process=False)

    pending = await both(f"batch_request_id={batch_id}", seller.headers)
    paged = await both(f"batch_request_id={batch_id}&only=failed&per_page=10", seller.headers)
    assert await runtime.worker().run_once() is True
    done_fast, done_plain = await both(f"batch_request_id={batch_id}", seller.headers)

    assert [answer(fast) for fast, _ in (pending, paged)] == [
        answer(p) for _, p in (pending, paged)
    ]
    assert pending[0].json() == {"batchRequestId": batch_id, "status": "pending", "items": []}
    assert answer(done_fast) == answer(done_plain)
    assert done_fast.json()["status"] == "completed"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (None, "Missing API key: send it in the X-API-Key header"),
        ("", "Missing API key: send it in the X-API-Key header"),
        ("sc_000000000000_nothing", "Invalid API key"),
        ("not-a-key", "Invalid API key"),
    ],
)
async def test_a_caller_without_a_valid_key_gets_the_same_401(
    runtime: Runtime, seller: SellerKey, both: Read, key: str | None, text: str
) -> None:
    batch_id = await submit(runtime, seller)
    headers = {} if key is None else {"X-API-Key": key}

    fast, plain = await both(f"batch_request_id={batch_id}", headers)

    assert answer(fast) == answer(plain)
    assert (fast.status_code, fast.json()) == (401, {"message": text})


async def test_another_sellers_batch_an_unknown_one_and_another_kinds_are_the_same_404(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey, both: Read
) -> None:
    batch_id = await submit(runtime, seller)
    await both(f"batch_request_id={batch_id}", seller.headers)  # cached for its seller

    reads = [
        await both(f"batch_request_id={batch_id}", other_seller.headers),
        await both(f"batch_request_id={uuid.uuid4()}", seller.headers),
        await both(f"batch_request_id={batch_id}", seller.headers, "/api/v1/results/stocks/"),
    ]

    for fast, plain in reads:
        assert answer(fast) == answer(plain)
        assert (fast.status_code, fast.json()) == (404, {"message": "Batch request not found"})


@pytest.mark.parametrize(
    "query",
    [
        "",
        "batch_request_id=",
        "batch_request_id=not-a-uuid",
        "batch_request_id={id}&batch_request_id={id}",
        "batch_request_id={id}&batch_request_id=nope",
        "batch_request_id={id}&only=succeeded",
        "batch_request_id={id}&page=0",
        "batch_request_id={id}&per_page=101",
    ],
)
async def test_a_query_the_route_refuses_gets_the_same_refusal_after_the_key(
    runtime: Runtime, seller: SellerKey, both: Read, query: str
) -> None:
    batch_id = await submit(runtime, seller)
    url = query.format(id=batch_id)

    with_key = await both(url, seller.headers)
    without_key = await both(url, {})

    assert answer(with_key[0]) == answer(with_key[1])
    assert with_key[0].status_code in (400, 422)
    assert with_key[0].headers["x-ratelimit-remaining"] == str(LIMIT - 1)
    assert answer(without_key[0]) == answer(without_key[1])
    assert without_key[0].status_code == 401


async def test_the_call_past_the_limit_is_the_same_429(
    runtime: Runtime, seller: SellerKey, both: Read
) -> None:
    batch_id = await submit(runtime, seller)
    reads = [await both(f"batch_request_id={batch_id}", seller.headers) for _ in range(LIMIT + 1)]

    for fast, plain in reads[:LIMIT]:
        assert answer(fast) == answer(plain)
    fast, plain = reads[LIMIT]
    wait = fast.headers["retry-after"]
    assert fast.status_code == 429
    assert fast.json() == {
        "message": f"Rate limit exceeded: {LIMIT} requests per minute on this endpoint; "
        f"retry in {wait} s"
    }
    assert 1 <= int(wait) <= 60
    assert fast.headers["x-ratelimit-remaining"] == "0"
    # The wait is computed from each app's own clock reading: the rest is the same bytes.
    assert without_wait(fast) == without_wait(plain)


def without_wait(response: httpx.Response) -> Answer:
    wait = response.headers["retry-after"]
    status, headers, body = answer(response)
    headers = [(name, "N" if name == "retry-after" else value) for name, value in headers]
    return status, headers, body.replace(f"retry in {wait} s".encode(), b"retry in N s")


async def test_metrics_count_the_read_under_the_routes_own_label(
    runtime: Runtime, seller: SellerKey, fast: httpx.AsyncClient
) -> None:
    batch_id = await submit(runtime, seller)
    before = answered_reads()

    for path in (RESULTS, f"{RESULTS}/"):
        response = await fast.get(f"{path}?batch_request_id={batch_id}", headers=seller.headers)
        assert response.status_code == 200

    assert answered_reads() == before + 2


def answered_reads() -> float:
    labels = {"method": "GET", "route": RESULTS, "status": "200"}
    return REGISTRY.get_sample_value("sellers_center_http_requests_total", labels) or 0.0


async def test_a_key_revoked_in_this_process_is_refused_at_once(
    runtime: Runtime, seller: SellerKey, fast: httpx.AsyncClient
) -> None:
    batch_id = await submit(runtime, seller)
    url = f"{RESULTS}?batch_request_id={batch_id}"
    assert (await fast.get(url, headers=seller.headers)).status_code == 200
    assert len(runtime.key_cache) == 1

    async with runtime.unit.write() as session:
        await accounts.revoke_key(session, seller.key_id, runtime.clock.now())
    refused = await fast.get(url, headers=seller.headers)

    assert (refused.status_code, refused.json()) == (401, {"message": "API key has been revoked"})


async def test_a_key_revoked_elsewhere_is_refused_once_the_cache_time_has_passed(
    runtime: Runtime, seller: SellerKey, fast: httpx.AsyncClient, clock: ManualClock
) -> None:
    batch_id = await submit(runtime, seller)
    url = f"{RESULTS}?batch_request_id={batch_id}"
    assert (await fast.get(url, headers=seller.headers)).status_code == 200
    # As the CLI revokes it: in another process, which this one hears nothing from.
    async with runtime.database.write_session.begin() as session:
        revoked = update(ApiKey).where(ApiKey.id == seller.key_id).values(revoked_at=clock.now())
        await session.execute(revoked)

    clock.advance(KEY_CACHE_SECONDS - 0.001)
    still = await fast.get(url, headers=seller.headers)
    clock.advance(0.001)
    refused = await fast.get(url, headers=seller.headers)

    assert still.status_code == 200
    assert (refused.status_code, refused.json()) == (401, {"message": "API key has been revoked"})


async def test_a_cached_key_that_expires_is_refused_from_its_expiry_on(
    runtime: Runtime, seller: SellerKey, fast: httpx.AsyncClient, clock: ManualClock
) -> None:
    batch_id = await submit(runtime, seller)
    async with runtime.unit.write() as session:
        issued = await accounts.create_key(
            session, seller.seller_id, label="short", now=clock.now(), expires_in=timedelta(hours=1)
        )
    url = f"{RESULTS}?batch_request_id={batch_id}"
    headers = {"X-API-Key": issued.key}
    assert (await fast.get(url, headers=headers)).status_code == 200

    clock.advance(timedelta(hours=1).total_seconds())
    refused = await fast.get(url, headers=headers)

    assert (refused.status_code, refused.json()) == (401, {"message": "API key has expired"})


async def test_cached_results_are_not_served_once_retention_may_have_purged_them(
    runtime: Runtime, seller: SellerKey, fast: httpx.AsyncClient, clock: ManualClock
) -> None:
    batch_id = await submit(runtime, seller)
    url = f"{RESULTS}?batch_request_id={batch_id}"
    assert (await fast.get(url, headers=seller.headers)).status_code == 200
    retention = timedelta(days=runtime.settings.result_retention_days).total_seconds()

    clock.advance(retention - 1)
    served = await fast.get(url, headers=seller.headers)
    clock.advance(2)
    # Any worker may purge the batch now, telling no API process.
    await runtime.worker().run_maintenance()
    gone = await fast.get(url, headers=seller.headers)

    assert served.status_code == 200
    assert (gone.status_code, gone.json()) == (404, {"message": "Batch request not found"})
    assert len(runtime.result_cache) == 0
