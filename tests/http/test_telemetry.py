"""Telemetry seen from outside: ``X-Request-ID`` on every response, one access log line per
request (JSON-formattable with its request id), the HTTP and batch metrics and queue gauges of
``/metrics``, and the readiness probe and 503 answers when a dependency does not answer."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sellers_center.app import create_app
from sellers_center.clock import ManualClock
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from sellers_center.telemetry.logs import REQUEST_ID, JsonFormatter, TextFormatter, logging_config
from sellers_center.telemetry.metrics import QueueState, exposition
from tests import support
from tests.support import BOTH_BACKENDS, SellerKey

BRANDS = "/api/v1/brands/"
PRODUCTS = "/api/v1/products/"
STOCKS = "/api/v1/products/stocks"
JSON = "application/json; charset=utf-8"
FRESH_ID = re.compile(r"[0-9a-f]{32}")
ACCESS_LOGGER = "sellers_center.access"
DATABASE_UNAVAILABLE = "The service cannot reach its database; retry in a moment"
# Every probe against a closed port is refused at once; this only bounds a broken test.
BOUND_SECONDS = 10


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with the changes a test asks for through ``with_settings``."""
    changes: dict[str, Any] = getattr(request, "param", {})
    return settings.model_copy(update=changes)


def with_settings(**changes: Any) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("settings", [changes], indirect=True, ids=["settings"])


def closed_port() -> int:
    """A local port nobody listens on (bound then released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def serving(
    settings: Settings, kinds: KindsFactory, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app over its own runtime (``settings`` with ``changes``), bounded in
    time; its database and Redis pool closed after."""
    runtime = Runtime.from_settings(settings.model_copy(update=changes), kinds)
    transport = httpx.ASGITransport(app=support.app_of(runtime))
    try:
        async with (
            asyncio.timeout(BOUND_SECONDS),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            yield client
    finally:
        await runtime.database.dispose()
        await runtime.rate_limiter.aclose()


# --- X-Request-ID --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["abc-123", "req.7:b_C-9", "A" * 128], ids=["dashes", "every-symbol", "128-chars"]
)
async def test_a_plain_caller_request_id_is_echoed(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": given})

    assert response.status_code == 200
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given",
    ["has space", "A" * 129, "a/b", "semi;colon", ""],
    ids=["space", "129-chars", "slash", "semicolon", "empty"],
)
async def test_an_unfit_caller_request_id_is_replaced_by_a_fresh_one(
    client: httpx.AsyncClient, given: str
) -> None:
    first = await client.get("/healthz", headers={"X-Request-ID": given})
    second = await client.get("/healthz", headers={"X-Request-ID": given})

    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert [FRESH_ID.fullmatch(value) is not None for value in ids] == [True, True]
    assert ids[0] != ids[1]


async def test_without_a_request_id_each_response_gets_a_fresh_one(
    client: httpx.AsyncClient,
) -> None:
    responses = [await client.get("/healthz") for _ in range(3)]

    ids = [response.headers["x-request-id"] for response in responses]
    assert [FRESH_ID.fullmatch(value) is not None for value in ids] == [True] * 3
    assert len(set(ids)) == 3


async def test_the_response_carries_a_single_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "only-once"})

    assert response.headers.get_list("x-request-id") == ["only-once"]


@with_settings(max_body_bytes=1024)
async def test_every_status_carries_the_request_id(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    calls = [
        ("GET", BRANDS, seller.headers, None),
        ("GET", BRANDS, {}, None),
        ("GET", "/api/v1/nothing", {}, None),
        ("POST", PRODUCTS, seller.headers, b'{"items": []}'),
        ("POST", PRODUCTS, seller.headers, b'{"items": [], "padding": "' + b"x" * 1024 + b'"}'),
    ]

    fresh = [await client.request(m, p, headers=h, content=b) for m, p, h, b in calls]
    echoed = [
        await client.request(m, p, headers={**h, "X-Request-ID": f"call-{n}"}, content=b)
        for n, (m, p, h, b) in enumerate(calls)
    ]

    assert [r.status_code for r in fresh] == [200, 401, 404, 422, 413]
    assert [r.status_code for r in echoed] == [200, 401, 404, 422, 413]
    fresh_ids = [r.headers["x-request-id"] for r in fresh]
    assert [FRESH_ID.fullmatch(value) is not None for value in fresh_ids] == [True] * 5
    assert len(set(fresh_ids)) == 5
    assert [r.headers["x-request-id"] for r in echoed] == [f"call-{n}" for n in range(5)]


async def test_an_unexpected_failure_answers_500_with_its_request_id_and_logs_it(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("a bug")

    app = create_app(runtime)
    app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=app)
    caplog.set_level(logging.ERROR, logger="sellers_center.http.telemetry")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with json_lines("sellers_center.http.telemetry") as stream:
            response = await client.get("/broken", headers={"X-Request-ID": "trace-500"})

    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert response.headers["x-request-id"] == "trace-500"
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["message"], entry["request_id"]) == (
        "ERROR",
        "request failed: GET /broken",
        "trace-500",
    )
    assert entry["exception"].endswith("RuntimeError: a bug")


# --- access log ----------------------------------------------------------------------------------


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == ACCESS_LOGGER]


def access_fields(record: logging.LogRecord) -> tuple[Any, ...]:
    fields = record.__dict__
    return (fields["method"], fields["path"], fields["route"], fields["status"])


async def test_each_request_logs_one_access_line_with_its_fields(
    client: httpx.AsyncClient, seller: SellerKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    await client.get(BRANDS, headers=seller.headers)
    await client.get("/api/v1/brands", headers=seller.headers)
    await client.get("/api/v1/categories/112/attribute-groups", headers=seller.headers)
    await client.get(BRANDS)
    await client.get("/api/v1/nothing")
    await client.post(PRODUCTS, json={"items": []}, headers=seller.headers)

    records = access_records(caplog)
    assert [access_fields(record) for record in records] == [
        ("GET", "/api/v1/brands/", "/api/v1/brands", 200),
        ("GET", "/api/v1/brands", "/api/v1/brands", 200),
        (
            "GET",
            "/api/v1/categories/112/attribute-groups",
            "/api/v1/categories/{category_id}/attribute-groups",
            200,
        ),
        ("GET", "/api/v1/brands/", "/api/v1/brands", 401),
        ("GET", "/api/v1/nothing", "unmatched", 404),
        ("POST", "/api/v1/products/", "/api/v1/products", 422),
    ]
    assert [record.getMessage() for record in records] == [
        "GET /api/v1/brands/ 200",
        "GET /api/v1/brands 200",
        "GET /api/v1/categories/112/attribute-groups 200",
        "GET /api/v1/brands/ 401",
        "GET /api/v1/nothing 404",
        "POST /api/v1/products/ 422",
    ]
    assert {record.levelname for record in records} == {"INFO"}
    durations = [record.__dict__["duration_ms"] for record in records]
    assert [type(value) for value in durations] == [float] * len(records)
    assert min(durations) >= 0


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_probes_and_scrapes_are_not_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)

    response = await client.get(path)

    assert response.status_code == 200
    assert access_records(caplog) == []


@contextmanager
def json_lines(logger_name: str) -> Iterator[io.StringIO]:
    """What ``logger_name`` writes meanwhile, formatted as the service writes it (JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


async def test_the_access_line_in_json_carries_the_request_id(client: httpx.AsyncClient) -> None:
    with json_lines(ACCESS_LOGGER) as stream:
        response = await client.get("/api/v1/nothing", headers={"X-Request-ID": "trace-42"})

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert response.headers["x-request-id"] == "trace-42"
    assert set(entry) == {
        "time", "level", "logger", "message", "request_id",
        "method", "path", "route", "status", "duration_ms",
    }  # fmt: skip
    assert {key: entry[key] for key in set(entry) - {"time", "duration_ms"}} == {
        "level": "INFO",
        "logger": ACCESS_LOGGER,
        "message": "GET /api/v1/nothing 404",
        "request_id": "trace-42",
        "method": "GET",
        "path": "/api/v1/nothing",
        "route": "unmatched",
        "status": 404,
    }
    assert REQUEST_ID.get() is None


async def test_an_accepted_batch_is_logged_with_the_request_that_made_it(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = {"items": [{"sku": "SKU-1", "quantity": 1}]}
    with json_lines("sellers_center.engine.router") as stream:
        response = await client.put(
            STOCKS, json=body, headers={**seller.headers, "X-Request-ID": "trace-7"}
        )

    batch_id = response.json()["batchRequestId"]
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert {key: entry[key] for key in set(entry) - {"time"}} == {
        "level": "INFO",
        "logger": "sellers_center.engine.router",
        "message": f"batch {batch_id} accepted",
        "request_id": "trace-7",
        "batch_id": batch_id,
        "kind": "stocks",
    }


# --- log formatters ------------------------------------------------------------------------------

# 2026-01-01T00:00:00.250Z: a quarter second is exact in binary, so the milliseconds are too.
CREATED = 1767225600.25


def record(level: int = logging.WARNING, exc_info: Any = None, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord(
        "sellers_center.tests", level, __file__, 10, "batch %s: %s", ("b-1", "done"), exc_info
    )
    made.created = CREATED
    made.__dict__.update(extra)
    return made


def formatted_with_request_id(formatter: logging.Formatter, entry: logging.LogRecord) -> str:
    token = REQUEST_ID.set("req-1")
    try:
        return formatter.format(entry)
    finally:
        REQUEST_ID.reset(token)


def test_json_formatter_writes_the_fields_extras_and_request_id() -> None:
    line = formatted_with_request_id(JsonFormatter(), record(kind="stocks", attempt=2))

    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-01-01T00:00:00.250+00:00",
        "level": "WARNING",
        "logger": "sellers_center.tests",
        "message": "batch b-1: done",
        "request_id": "req-1",
        "kind": "stocks",
        "attempt": 2,
    }


def test_json_formatter_leaves_out_the_request_id_outside_a_request() -> None:
    line = JsonFormatter().format(record(logging.INFO))

    assert json.loads(line) == {
        "time": "2026-01-01T00:00:00.250+00:00",
        "level": "INFO",
        "logger": "sellers_center.tests",
        "message": "batch b-1: done",
    }


def test_json_formatter_writes_unserialisable_extras_as_text() -> None:
    line = JsonFormatter().format(record(owner=ManualClock, amount=b"x"))

    entry = json.loads(line)
    assert (entry["owner"], entry["amount"]) == (str(ManualClock), "b'x'")


def test_json_formatter_adds_the_exception_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()

    entry = json.loads(JsonFormatter().format(record(logging.ERROR, exc_info)))

    assert set(entry) == {"time", "level", "logger", "message", "exception"}
    assert entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback (most recent call last):\n")
    assert 'raise ValueError("boom")' in entry["exception"]
    assert entry["exception"].endswith("\nValueError: boom")


def test_text_formatter_appends_the_request_id_then_the_extras() -> None:
    line = formatted_with_request_id(TextFormatter(), record(kind="stocks", attempt=2))

    assert line.endswith(
        " WARNING sellers_center.tests batch b-1: done request_id=req-1 kind=stocks attempt=2"
    )


def test_text_formatter_leaves_out_fields_the_message_already_shows() -> None:
    line = TextFormatter().format(record(batch_id="b-1", status="done", kind="stocks"))

    assert line.endswith(" WARNING sellers_center.tests batch b-1: done kind=stocks")


def test_text_formatter_without_extras_is_the_plain_line() -> None:
    line = TextFormatter().format(record(logging.INFO))

    assert line.endswith(" INFO sellers_center.tests batch b-1: done")


@pytest.mark.parametrize(
    ("log_format", "formatter"), [("json", JsonFormatter), ("text", TextFormatter)]
)
def test_logging_config_picks_the_formatter_and_level(
    log_format: str, formatter: type[logging.Formatter]
) -> None:
    config = logging_config(log_format, "DEBUG")

    assert config["formatters"]["default"] == {"()": formatter}
    assert config["root"] == {"handlers": ["stderr"], "level": "DEBUG"}
    assert config["loggers"]["uvicorn.access"]["level"] == "WARNING"
    assert config["disable_existing_loggers"] is False


# --- /metrics ------------------------------------------------------------------------------------


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class Scrape:
    def __init__(self, text: str) -> None:
        self.values = samples(text)

    def value(self, name: str, **labels: str) -> float:
        """A sample's value; 0 for a labelled child not created yet."""
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def family(self, name: str, label: str, **fixed: str) -> dict[str, float]:
        """The samples of ``name`` matching ``fixed``, by their value of ``label``."""
        found = {}
        for (sample, labels), value in self.values.items():
            named = dict(labels)
            if sample == name and all(named.get(k) == v for k, v in fixed.items()):
                found[named[label]] = value
        return found


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return Scrape(response.text)


def stock_body(quantity: int) -> dict[str, Any]:
    return {"items": [{"sku": "NO-SUCH-SKU", "quantity": quantity}]}


OPEN = ("pending", "processing", "retry")
KINDS = (
    "cancel-orders",
    "echo",
    "prices",
    "products",
    "return-orders",
    "ship-orders",
    "status",
    "stocks",
)


def depth_of(metrics: Scrape) -> dict[tuple[str, str], float | None]:
    """Queue depth of every kind and open status; None where the exposition lacks it."""
    return {
        (kind, status): metrics.values.get(
            ("sellers_center_queue_depth", frozenset({("kind", kind), ("status", status)}))
        )
        for kind in KINDS
        for status in OPEN
    }


def ages_of(metrics: Scrape) -> dict[str, float]:
    return metrics.family("sellers_center_queue_oldest_age_seconds", "kind")


def test_queue_collector_ages_only_waiting_batches_from_the_oldest() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    states = [
        QueueState("stocks", "pending", 2, ago(30)),
        QueueState("stocks", "retry", 1, ago(50)),
        QueueState("stocks", "processing", 4, ago(100)),
        QueueState("prices", "processing", 1, ago(10)),
        QueueState("status", "pending", 1, ago(-5)),
        QueueState("retired", "retry", 3, ago(7.5)),
    ]

    metrics = Scrape(
        exposition(["stocks", "prices", "status", "echo"], states, now).decode()
    ).values

    def gauge(name: str, **labels: str) -> float | None:
        return metrics.get((name, frozenset(labels.items())))

    kinds = ("echo", "prices", "retired", "status", "stocks")
    depth = {
        (kind, status): gauge("sellers_center_queue_depth", kind=kind, status=status)
        for kind in kinds
        for status in OPEN
    }
    assert depth == {
        **dict.fromkeys(depth, 0.0),
        ("stocks", "pending"): 2.0,
        ("stocks", "retry"): 1.0,
        ("stocks", "processing"): 4.0,
        ("prices", "processing"): 1.0,
        ("status", "pending"): 1.0,
        ("retired", "retry"): 3.0,
    }
    ages = {kind: gauge("sellers_center_queue_oldest_age_seconds", kind=kind) for kind in kinds}
    # A batch stamped in the future (clock skew between processes) counts as just arrived.
    assert ages == {"echo": 0.0, "prices": 0.0, "retired": 7.5, "status": 0.0, "stocks": 50.0}


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE sellers_center_http_requests_total counter" in response.text


@BOTH_BACKENDS
async def test_a_submit_counts_one_request_and_one_pending_batch(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    request_labels = {"method": "PUT", "route": STOCKS, "status": "200"}
    before = await scrape(client)

    response = await client.put(STOCKS, json=stock_body(1), headers=seller.headers)
    after = await scrape(client)

    assert response.status_code == 200

    def grew(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert grew("sellers_center_http_requests_total", **request_labels) == 1
    assert (
        grew("sellers_center_http_request_duration_seconds_count", method="PUT", route=STOCKS) == 1
    )
    assert grew("sellers_center_batches_total", kind="stocks", status="pending") == 1
    assert grew("sellers_center_batches_total", kind="prices", status="pending") == 0


async def test_an_identical_open_payload_is_answered_again_without_counting_a_batch(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    first = await client.put(STOCKS, json=stock_body(3), headers=seller.headers)
    before = await scrape(client)

    with json_lines("sellers_center.engine.router") as stream:
        again = await client.put(STOCKS, json=stock_body(3), headers=seller.headers)
    after = await scrape(client)

    batch_id = first.json()["batchRequestId"]
    assert again.json() == {"batchRequestId": batch_id}
    pending = {"kind": "stocks", "status": "pending"}
    counted = after.value("sellers_center_batches_total", **pending)
    assert counted - before.value("sellers_center_batches_total", **pending) == 0
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == (
        f"batch {batch_id} answered again: identical payload still open"
    )


async def test_unmatched_requests_share_one_route_label(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = await scrape(client)

    await client.get("/api/v1/nothing")
    await client.get("/api/v1/something/else")
    after = await scrape(client)

    grown = after.value("sellers_center_http_requests_total", **labels) - before.value(
        "sellers_center_http_requests_total", **labels
    )
    assert grown == 2
    routes = set(after.family("sellers_center_http_requests_total", "route"))
    assert routes & {"/api/v1/nothing", "/api/v1/something/else"} == set()


@BOTH_BACKENDS
async def test_queue_gauges_follow_batches_until_the_worker_completes_them(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    empty = await scrape(client)
    first = await client.put(STOCKS, json=stock_body(1), headers=seller.headers)
    clock.advance(30)
    second = await client.put(STOCKS, json=stock_body(2), headers=seller.headers)
    clock.advance(15)

    waiting = await scrape(client)
    worker = runtime.worker()
    processed = [await worker.run_once(), await worker.run_once(), await worker.run_once()]
    done = await scrape(client)

    assert (first.status_code, second.status_code) == (200, 200)
    assert depth_of(empty) == dict.fromkeys(depth_of(empty), 0.0)
    assert depth_of(waiting) == {**depth_of(empty), ("stocks", "pending"): 2.0}
    assert ages_of(waiting) == {**dict.fromkeys(KINDS, 0.0), "stocks": 45.0}
    assert processed == [True, True, False]
    assert depth_of(done) == dict.fromkeys(depth_of(empty), 0.0)
    assert ages_of(done) == dict.fromkeys(KINDS, 0.0)
    completed = {"kind": "stocks", "status": "completed"}
    timed = {"kind": "stocks", "outcome": "completed"}
    assert (
        done.value("sellers_center_batches_total", **completed)
        - waiting.value("sellers_center_batches_total", **completed)
        == 2
    )
    assert (
        done.value("sellers_center_batch_processing_seconds_count", **timed)
        - waiting.value("sellers_center_batch_processing_seconds_count", **timed)
        == 2
    )


async def test_metrics_without_a_database_leave_the_queue_out_rather_than_report_zeros(
    settings: Settings, kinds: KindsFactory
) -> None:
    unreachable = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"
    async with serving(settings, kinds, database_url=unreachable) as client:
        await client.get("/healthz")
        metrics = await scrape(client)

    assert set(depth_of(metrics).values()) == {None}
    assert ages_of(metrics) == {}
    # The process's own metrics still answer.
    assert "/healthz" in metrics.family("sellers_center_http_requests_total", "route")


# --- readiness and unavailable dependencies ------------------------------------------------------


@BOTH_BACKENDS
async def test_readiness_without_redis_checks_the_database_only(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readiness_with_redis_checks_it_too(
    settings: Settings, kinds: KindsFactory, redis_url: str
) -> None:
    async with serving(settings, kinds, redis_url=redis_url) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


async def test_readiness_is_degraded_but_200_when_redis_does_not_answer(
    settings: Settings, kinds: KindsFactory
) -> None:
    redis_url = f"redis://127.0.0.1:{closed_port()}/0"
    async with serving(settings, kinds, redis_url=redis_url) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "error: no answer"},
    }


async def test_readiness_is_503_naming_the_database_error(
    settings: Settings, kinds: KindsFactory
) -> None:
    unreachable = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"
    async with serving(settings, kinds, database_url=unreachable) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == JSON
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error: ConnectionRefusedError"},
    }


async def test_an_authenticated_call_is_503_with_retry_after_without_a_database(
    settings: Settings, kinds: KindsFactory
) -> None:
    unreachable = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"
    async with serving(settings, kinds, database_url=unreachable) as client:
        response = await client.get(BRANDS, headers={"X-API-Key": "sc_abcdef123456_secret"})

    assert response.status_code == 503
    assert response.headers["content-type"] == JSON
    assert response.headers["retry-after"] == "2"
    assert response.json() == {"message": DATABASE_UNAVAILABLE}
    assert FRESH_ID.fullmatch(response.headers["x-request-id"]) is not None
