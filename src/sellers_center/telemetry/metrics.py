"""The process's Prometheus metrics.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``serve`` sets it: ``telemetry/processes.py``) every
process writes its values to files there and ``/metrics`` on any of them reports the sum over all
of them. Queue gauges are read from the database at each scrape instead: they describe the
shared queue, not a process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sellers_center.telemetry.processes import MULTIPROCESS_DIRECTORY

if os.environ.get(MULTIPROCESS_DIRECTORY):
    # prometheus_client writes to this folder as soon as a metric is made, just below.
    os.makedirs(os.environ[MULTIPROCESS_DIRECTORY], exist_ok=True)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds. HTTP answers are milliseconds (submits store, results read one row); batches run from
# milliseconds (a stock update) to seconds (a 1000-item batch on a loaded database).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

HTTP_REQUESTS = Counter(
    "sellers_center_http_requests",
    "HTTP requests answered, by route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "sellers_center_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response.",
    ["method", "route"],
    buckets=HTTP_BUCKETS,
)
BATCHES = Counter(
    "sellers_center_batches",
    "Batches entering a status: pending (accepted), completed, failed, retry.",
    ["kind", "status"],
)
PROCESSING = Histogram(
    "sellers_center_batch_processing_seconds",
    "Duration of one attempt at a batch, from its claim to its outcome.",
    ["kind", "outcome"],
    buckets=BATCH_BUCKETS,
)
RETRIES = Counter(
    "sellers_center_batch_retries",
    "Batches given back to the queue: error, budget (over its time budget), lease_expired.",
    ["kind", "reason"],
)
LEASE_EXPIRIES = Counter(
    "sellers_center_lease_expiries",
    "Batches whose worker stopped renewing its lease (a worker died or hung).",
    ["kind"],
)
WEBHOOK_DELIVERIES = Counter(
    "sellers_center_webhook_deliveries",
    "Webhook delivery attempts by event and outcome: delivered, retry (failed, tried again "
    "later), failed (no more attempts).",
    ["event", "outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "sellers_center_webhook_attempt_seconds",
    "Duration of one webhook attempt (resolution, request, answer), by result.",
    ["result"],
    buckets=HTTP_BUCKETS,
)
RATE_LIMIT_STORAGE_UP = Gauge(
    "sellers_center_rate_limit_storage_up",
    "1 while rate limits are counted in Redis, shared by every API process; 0 while each "
    "process counts in its own memory (Redis unreachable, or no REDIS_URL).",
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_FALLBACK = Counter(
    "sellers_center_rate_limit_fallback",
    "Requests counted in process memory because Redis did not answer.",
)


@dataclass(frozen=True, slots=True)
class QueueState:
    """Open batches of one kind in one status, and when the oldest of them was accepted."""

    kind: str
    status: str
    count: int
    oldest_created_at: datetime


OPEN_STATUSES = ("pending", "retry", "processing")


class QueueCollector(Collector):
    """Queue depth and age, from a snapshot of the batches table taken for one scrape; every
    served kind is reported, with zeros when it has nothing open."""

    def __init__(self, kinds: Iterable[str], states: Sequence[QueueState], now: datetime) -> None:
        self.kinds = sorted(set(kinds) | {state.kind for state in states})
        self.states = states
        self.now = now

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "sellers_center_queue_depth",
            "Batches not final, by kind and status (pending, retry, processing).",
            labels=["kind", "status"],
        )
        age = GaugeMetricFamily(
            "sellers_center_queue_oldest_age_seconds",
            "Age of the oldest batch of a kind waiting to be claimed (pending or retry).",
            labels=["kind"],
        )
        counts = {(state.kind, state.status): state.count for state in self.states}
        for kind in self.kinds:
            for status in OPEN_STATUSES:
                depth.add_metric([kind, status], counts.get((kind, status), 0))
            waiting = [
                state.oldest_created_at
                for state in self.states
                if state.kind == kind and state.status != "processing"
            ]
            oldest = (self.now - min(waiting)).total_seconds() if waiting else 0.0
            age.add_metric([kind], max(oldest, 0.0))
        yield depth
        yield age


def webhook_backlog(pending: int, oldest_created_at: datetime | None, now: datetime) -> bytes:
    """The webhook deliveries still pending and the age of the oldest, read for one scrape."""
    count = GaugeMetricFamily(
        "sellers_center_webhook_pending", "Webhook deliveries not yet delivered nor failed."
    )
    count.add_metric([], pending)
    age = GaugeMetricFamily(
        "sellers_center_webhook_oldest_pending_age_seconds",
        "Age of the oldest webhook delivery still pending (0 when none is).",
    )
    oldest = 0.0 if oldest_created_at is None else (now - oldest_created_at).total_seconds()
    age.add_metric([], max(oldest, 0.0))
    return generate_latest(_Snapshot([count, age]))


class _Snapshot(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self.metrics


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIRECTORY))


def exposition(kinds: Iterable[str], queue: Iterable[QueueState] | None, now: datetime) -> bytes:
    """The text ``GET /metrics`` answers: every process's metrics, then the queue's (none when
    ``queue`` is None: its state could not be read)."""
    if is_multiprocess():
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    if queue is None:
        return generate_latest(registry)
    snapshot = CollectorRegistry()
    snapshot.register(QueueCollector(kinds, list(queue), now))
    return generate_latest(registry) + generate_latest(snapshot)
