"""The steady load of the chaos test (``test_chaos.py``): product and stock batches per seller.

Each seller's thread loops: one products batch of ``PRODUCTS_PER_BATCH`` new styles (one variant
each, unique style key, SKU and EAN), waited for until final so its SKUs are known; then
``STOCK_BATCHES_PER_ROUND`` stock batches of ``STOCK_ITEMS_PER_BATCH`` items on known SKUs, not
waited for. Every stock item carries a ``valid_at`` from one process-wide, strictly increasing
counter, so an item's outcome depends only on the order batches are applied in, never on when.

Requests alternate between the API processes. A 503 (database restarting), another 5xx or a
transport error is retried with the same body (an identical payload still open gets the same id,
docs/api.md#batches); a submission may have been stored although its answer was lost, which is why
the test replays what the database holds rather than what was acknowledged."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from stdnum import ean as ean_checksum

from tests.products.factory import jacket

PRODUCTS_PER_BATCH = 10
STOCK_BATCHES_PER_ROUND = 3
STOCK_ITEMS_PER_BATCH = 20
MAX_QUANTITY = 500
# A pause between rounds keeps the load steady rather than saturating 2 cores.
ROUND_PAUSE_SECONDS = 0.1

# Bounds, not expectations.
REQUEST_TIMEOUT_SECONDS = 10.0
SUBMIT_DEADLINE_SECONDS = 60.0
RESULT_DEADLINE_SECONDS = 90.0
RETRY_PAUSE_SECONDS = 0.25
RESULT_POLL_SECONDS = 0.1

# EANs: 12 digits "41" + a 10-digit serial (GS1 prefix 410, Germany: assigned) + check digit.
EAN_PREFIX = "41"

FINAL = ("completed", "failed")
SUBMIT_ROUTES = {
    "products": ("POST", "/api/v1/products/"),
    "stocks": ("PUT", "/api/v1/products/stocks"),
}


@dataclass(frozen=True)
class LoadSeller:
    name: str
    key: str
    tag: str  # short, for style keys and SKUs


@dataclass(frozen=True)
class AcceptedBatch:
    """A batch an API process answered 200 for."""

    batch_id: str
    kind: str
    seller: str
    body: bytes
    item_count: int

    @property
    def items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = json.loads(self.body)["items"]
        return items


class RetryableError(Exception):
    """A 503, another 5xx or a transport error: worth trying again with the same request."""


@dataclass
class Load:
    """Load threads' shared state: what was accepted, what had to be retried, what broke."""

    base_urls: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    accepted: list[AcceptedBatch] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    product_item_failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ean_serials: Iterator[int] = field(default_factory=itertools.count)
    # valid_at of the n-th stock item: the load's start + n ms, whoever sends it (a valid_at
    # more than a day ahead of the processing time is refused, docs/api.md).
    _valid_at_base: datetime = field(default_factory=lambda: datetime.now(UTC))
    _valid_at_ms: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- what is sent ---------------------------------------------------------------------------

    def next_ean(self) -> str:
        with self._lock:
            serial = next(self._ean_serials)
        body = f"{EAN_PREFIX}{serial:010d}"
        return body + ean_checksum.calc_check_digit(body)

    def next_valid_at(self) -> str:
        with self._lock:
            milliseconds = next(self._valid_at_ms)
        return (self._valid_at_base + timedelta(milliseconds=milliseconds)).isoformat()

    def product_items(self, seller: LoadSeller, round_number: int) -> list[dict[str, Any]]:
        items = []
        for position in range(PRODUCTS_PER_BATCH):
            style_key = f"CHAOS-{seller.tag}-{round_number:05d}-{position:02d}"
            items.append(jacket(sku=f"{style_key}-S", style_key=style_key, ean=self.next_ean()))
        return items

    def stock_items(self, rng: random.Random, known_skus: list[str]) -> list[dict[str, Any]]:
        # choices, not sample: the first round knows only 10 SKUs, and a SKU repeated within a
        # batch is fine (its items apply in order, the later valid_at last).
        return [
            {
                "sku": sku,
                "quantity": rng.randint(0, MAX_QUANTITY),
                "valid_at": self.next_valid_at(),
            }
            for sku in rng.choices(known_skus, k=STOCK_ITEMS_PER_BATCH)
        ]

    # --- the seller loop ------------------------------------------------------------------------

    def run_seller(self, seller: LoadSeller, seed: int) -> None:
        """A thread's body: loop until ``stop``; any error is recorded and stops the load."""
        try:
            with httpx.Client(
                headers={"X-API-Key": seller.key}, timeout=REQUEST_TIMEOUT_SECONDS
            ) as client:
                self._loop(_Caller(client, itertools.cycle(self.base_urls), self), seller, seed)
        except Exception as error:
            with self._lock:
                self.errors.append(f"{seller.name}: {type(error).__name__}: {error}")
            self.stop.set()

    def _loop(self, caller: _Caller, seller: LoadSeller, seed: int) -> None:
        rng = random.Random(seed)
        known_skus: list[str] = []
        for round_number in itertools.count():
            if self.stop.is_set():
                return
            products = self.submit(
                caller, seller, "products", self.product_items(seller, round_number)
            )
            outcome = caller.final_result(products)
            for item, entry in zip(products.items, outcome["items"], strict=True):
                if entry["success"]:
                    known_skus.append(item["sku"])
                else:
                    with self._lock:
                        self.product_item_failures.append(f"{item['sku']}: {entry['errors']}")
            for _ in range(STOCK_BATCHES_PER_ROUND):
                if known_skus:
                    self.submit(caller, seller, "stocks", self.stock_items(rng, known_skus))
            time.sleep(ROUND_PAUSE_SECONDS)

    def submit(
        self, caller: _Caller, seller: LoadSeller, kind: str, items: list[dict[str, Any]]
    ) -> AcceptedBatch:
        body = json.dumps({"items": items}).encode()
        method, path = SUBMIT_ROUTES[kind]
        answer = caller.call(method, path, SUBMIT_DEADLINE_SECONDS, "submit", content=body)
        accepted = AcceptedBatch(answer["batchRequestId"], kind, seller.name, body, len(items))
        with self._lock:
            self.accepted.append(accepted)
        return accepted

    def count_retry(self, what: str) -> None:
        with self._lock:
            self.retries[what] += 1


@dataclass
class _Caller:
    """One thread's HTTP client, taking the API processes in turn, with bounded retries."""

    client: httpx.Client
    base_urls: Iterator[str]
    load: Load

    def call(
        self, method: str, path: str, deadline_seconds: float, what: str, **options: Any
    ) -> dict[str, Any]:
        deadline = time.monotonic() + deadline_seconds
        last = "no attempt"
        while time.monotonic() < deadline:
            try:
                return self._once(method, path, **options)
            except RetryableError as error:
                last = str(error)
                self.load.count_retry(what)
                time.sleep(RETRY_PAUSE_SECONDS)
        raise AssertionError(f"{method} {path}: no answer in {deadline_seconds} s ({last})")

    def _once(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        url = next(self.base_urls) + path
        try:
            response = self.client.request(method, url, **options)
        except httpx.TransportError as error:
            raise RetryableError(f"{url}: {type(error).__name__}: {error}") from error
        if response.status_code >= 500:
            raise RetryableError(f"{url}: {response.status_code} {response.text[:200]}")
        assert response.status_code == 200, (
            f"{method} {url}: {response.status_code} {response.text}"
        )
        answer: dict[str, Any] = response.json()
        return answer

    def final_result(self, batch: AcceptedBatch) -> dict[str, Any]:
        """Poll the batch's results until final (bounded)."""
        deadline = time.monotonic() + RESULT_DEADLINE_SECONDS
        path = f"/api/v1/results/{batch.kind}?batch_request_id={batch.batch_id}"
        while (remaining := deadline - time.monotonic()) > 0:
            result = self.call("GET", path, remaining, "poll")
            if result["status"] in FINAL:
                return result
            time.sleep(RESULT_POLL_SECONDS)
        raise AssertionError(
            f"{batch.kind} batch {batch.batch_id} not final within {RESULT_DEADLINE_SECONDS} s"
        )
