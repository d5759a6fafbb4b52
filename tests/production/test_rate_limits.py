"""Rate limits are exact across API processes when they share Redis (OPERATIONS.md).

Acceptance: "4 API processes, one key on a 200/minute endpoint, 300 requests spread across them
→ exactly 200 succeed and 100 get 429 with Retry-After."

Four separate ``serve`` processes (one uvicorn worker each, each on its own port) share the
production database and Redis. One key reads the results of one real stock batch 300 times,
round-robin over the four ports. Were the counts kept per process, each process would allow all
of its 75 requests and none would be refused.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.production.processes import cluster, seller_key

API_PROCESSES = 4
REQUESTS = 300
LIMIT = 200  # results.<kind>: 200 per minute, the default
THREADS = 12
RESULTS_PATH = "/api/v1/results/stocks"
MAX_RETRY_AFTER_SECONDS = 60  # a one-minute window frees a slot within a minute
# A bound, not an expectation: 12 threads against 4 processes on 2 shared cores.
REQUEST_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Answer:
    base_url: str
    status: int
    headers: httpx.Headers
    body: dict[str, object]


def submit_stock_batch(base_url: str, key: str) -> str:
    response = httpx.put(
        f"{base_url}/api/v1/products/stocks",
        headers={"X-API-Key": key},
        json={"items": [{"sku": "RATE-LIMIT-1", "quantity": 5}]},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert response.status_code == 200, response.text
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


def read_results(base_url: str, key: str, batch_id: str) -> Answer:
    """One GET on a connection of its own."""
    response = httpx.get(
        f"{base_url}{RESULTS_PATH}",
        params={"batch_request_id": batch_id},
        headers={"X-API-Key": key},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    return Answer(base_url, response.status_code, response.headers, response.json())


def test_limit_is_shared_by_four_api_processes(
    production_database: str, redis_url: str, tmp_path: Path
) -> None:
    with cluster(tmp_path, production_database, redis_url) as running:
        key = seller_key(running, "limited")
        apis = running.start_apis([f"api-{index}" for index in range(API_PROCESSES)])
        base_urls = [api.base_url for api in apis]
        urls = [url for url in base_urls if url is not None]
        batch_id = submit_stock_batch(urls[0], key)
        targets = [urls[index % API_PROCESSES] for index in range(REQUESTS)]

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            answers = list(pool.map(lambda url: read_results(url, key, batch_id), targets))

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, statuses

    for answer in answers:
        assert answer.headers.get("X-RateLimit-Limit") == str(LIMIT), dict(answer.headers)
        assert "X-RateLimit-Remaining" in answer.headers, dict(answer.headers)
    for answer in answers:
        if answer.status == 200:
            assert answer.body["batchRequestId"] == batch_id, answer.body
            continue
        retry_after = answer.headers.get("Retry-After", "")
        assert retry_after.isdigit(), dict(answer.headers)
        assert 1 <= int(retry_after) <= MAX_RETRY_AFTER_SECONDS, retry_after
        assert isinstance(answer.body.get("message"), str), answer.body
        assert answer.headers["X-RateLimit-Remaining"] == "0", dict(answer.headers)

    per_process = Counter(answer.base_url for answer in answers)
    assert per_process == dict.fromkeys(urls, REQUESTS // API_PROCESSES), per_process
    refused_by = Counter(answer.base_url for answer in answers if answer.status == 429)
    assert set(refused_by) == set(urls), (
        f"every process must refuse some requests (a count per process would refuse none): "
        f"{dict(refused_by)}"
    )
