"""The processes of the production profile, as OPERATIONS.md describes them.

- ``serve --workers 2``: two API processes share one port, beside one worker process; every
  response carries ``X-Request-ID``; ``/metrics`` on the port reports the sum over all of them,
  whichever API process answers the scrape; SIGTERM stops the parent with status 0 and leaves
  no child behind.
- ``worker --metrics-port P``: a standalone worker serves its own metrics and counts the batches
  it completes; SIGTERM stops it with status 0.
- ``migrate --create-database``: creates a missing database, then migrates; run again it only
  migrates.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from pathlib import Path

import asyncpg
import httpx
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from sellers_center.telemetry.processes import MULTIPROCESS_DIRECTORY
from tests import support
from tests.command_line import run_command
from tests.e2e.server import (
    REQUEST_TIMEOUT_SECONDS,
    free_port,
)
from tests.production.observation import (
    STARTUP_COMPLETE,
    is_running,
    log_messages,
    started_server_pids,
    wait_for,
    wait_until,
)
from tests.production.processes import SCRIPT, Cluster, cluster, seller_key

# Bounds, not expectations.
STOP_SECONDS = 30
CHILD_EXIT_SECONDS = 5

API_PROCESSES = 2
BRANDS_REQUESTS = 40
BRANDS_ROUTE = "/api/v1/brands"
BRANDS_SAMPLE = (
    "sellers_center_http_requests_total",
    {"method": "GET", "route": BRANDS_ROUTE, "status": "200"},
)
COUNTER_FILE = re.compile(r"counter_(\d+)\.db")
WORKER_STARTED = re.compile(r"Started worker process \[(\d+)\]")
# serve's default (EMBEDDED_WORKER_PROCESSES).
EMBEDDED_WORKER_PROCESSES = 2
FINAL = {"completed", "failed"}


# --- helpers --------------------------------------------------------------------------------


def metric_value(exposition: str, sample_name: str, labels: dict[str, str]) -> float | None:
    """The value of the one sample with this name and exactly these labels, if present."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == sample_name and sample.labels == labels:
                return float(sample.value)
    return None


def counted_per_process(folder: Path, sample_name: str, labels: dict[str, str]) -> dict[int, float]:
    """One sample's value in each process's file of a multiprocess metrics folder, by pid."""
    counts = {}
    for path in folder.iterdir():
        found = COUNTER_FILE.fullmatch(path.name)
        if found is None:
            continue
        # prometheus_client's multiprocess files carry no type hints.
        values = MmapedDict(str(path), read_mode=True)  # type: ignore[no-untyped-call]
        try:
            for key, value, _ in values.read_all_values():  # type: ignore[no-untyped-call]
                _, name, key_labels, _ = json.loads(key)
                if name == sample_name and key_labels == labels:
                    counts[int(found.group(1))] = value
        finally:
            values.close()  # type: ignore[no-untyped-call]
    return counts


def scrape(url: str) -> str:
    """GET a metrics page on a connection of its own."""
    response = httpx.get(url, timeout=REQUEST_TIMEOUT_SECONDS)
    assert response.status_code == 200, response.text
    return response.text


def submit_stocks(base_url: str, key: str, sku: str) -> str:
    response = httpx.put(
        f"{base_url}/api/v1/products/stocks",
        headers={"X-API-Key": key},
        json={"items": [{"sku": sku, "quantity": 5}]},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert response.status_code == 200, response.text
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


def wait_until_final(base_url: str, key: str, batch_id: str) -> dict[str, object]:
    def final_result() -> dict[str, object] | None:
        response = httpx.get(
            f"{base_url}/api/v1/results/stocks",
            params={"batch_request_id": batch_id},
            headers={"X-API-Key": key},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body if body["status"] in FINAL else None

    return wait_for(final_result, f"stock batch {batch_id} final")


def start_standalone_worker(running: Cluster, metrics_port: int) -> subprocess.Popen[bytes]:
    """``sellers-center worker --metrics-port P``, logging to ``worker.log`` in the cluster's
    folder (``Cluster.start_worker`` has no metrics flag)."""
    with (running.folder / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [str(SCRIPT), "worker", "--concurrency", "2", "--metrics-port", str(metrics_port)],
            cwd=running.folder,
            env=running.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def metrics_page(url: str) -> str | None:
    """The page, or None while nothing listens there yet."""
    try:
        return scrape(url)
    except httpx.TransportError:
        return None


def schema_version(url: str) -> str:
    """The Alembic revision a database is at."""

    async def read() -> str:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            version: str = await connection.fetchval("SELECT version_num FROM alembic_version")
            return version
        finally:
            await connection.close()

    return asyncio.run(read())


# --- tests ----------------------------------------------------------------------------------


def test_serve_with_two_workers_shares_port_metrics_and_stops_cleanly(
    production_database: str, redis_url: str, tmp_path: Path
) -> None:
    # The operator's own metrics folder is kept (and lets the test read each process's counts).
    # prometheus_client needs the folder to exist before the first import.
    metrics_folder = tmp_path / "metrics"
    metrics_folder.mkdir()
    with cluster(tmp_path, production_database, redis_url) as running:
        key = seller_key(running, "two-processes")
        serve = running.start_api(
            "serve",
            workers=API_PROCESSES,
            embedded_worker=True,
            extra={MULTIPROCESS_DIRECTORY: str(metrics_folder)},
        )
        assert serve.base_url is not None
        base_url = serve.base_url

        # Both API processes are up (start_api returns as soon as one of them answers).
        pids = wait_for(
            lambda: found if len(found := started_server_pids(serve)) >= API_PROCESSES else None,
            f"{API_PROCESSES} 'Started server process' lines in {serve.log_path}",
        )
        assert len(pids) == API_PROCESSES, pids
        assert serve.popen.pid not in pids
        wait_until(
            lambda: log_messages(serve).count(STARTUP_COMPLETE) >= API_PROCESSES,
            f"{API_PROCESSES} '{STARTUP_COMPLETE}' lines in {serve.log_path}",
        )

        # (a) every request, each on a new connection, is answered with a request id.
        brands = [
            httpx.get(
                f"{base_url}{BRANDS_ROUTE}/",
                headers={"X-API-Key": key},
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
            for _ in range(BRANDS_REQUESTS)
        ]
        assert [response.status_code for response in brands] == [200] * BRANDS_REQUESTS
        request_ids = [response.headers.get("X-Request-ID") for response in brands]
        assert all(request_ids), request_ids
        assert len(set(request_ids)) == BRANDS_REQUESTS, request_ids

        # (b) /metrics sums both processes, whichever of them answers the scrape.
        def brands_on_metrics() -> float | None:
            return metric_value(scrape(f"{base_url}/metrics"), *BRANDS_SAMPLE)

        # The count is incremented just after a response is sent: let the last one land.
        wait_until(
            lambda: brands_on_metrics() == BRANDS_REQUESTS,
            f"{BRANDS_SAMPLE} == {BRANDS_REQUESTS} on /metrics",
        )
        scrapes = [brands_on_metrics(), brands_on_metrics()]
        assert scrapes == [BRANDS_REQUESTS, BRANDS_REQUESTS]
        per_process = counted_per_process(metrics_folder, *BRANDS_SAMPLE)
        assert set(per_process) == pids, (
            f"both API processes must have answered brands requests, for the sum to mean "
            f"anything: {per_process}"
        )
        assert sum(per_process.values()) == BRANDS_REQUESTS, per_process

        # (c) serve's worker processes apply batches, and /metrics counts what they did.
        batch_id = submit_stocks(base_url, key, "TWO-PROCESSES-1")
        result = wait_until_final(base_url, key, batch_id)
        assert result["status"] == "completed", result
        completed = ("sellers_center_batches_total", {"kind": "stocks", "status": "completed"})
        wait_until(
            lambda: metric_value(scrape(f"{base_url}/metrics"), *completed) == 1,
            f"{completed} == 1 on /metrics",
        )

        # (d) SIGTERM: the parent exits with 0 and takes its children with it.
        workers = [int(pid) for pid in WORKER_STARTED.findall(serve.log())]
        assert len(workers) == EMBEDDED_WORKER_PROCESSES, serve.log()
        exit_status = serve.terminate(timeout=STOP_SECONDS)
        assert exit_status == 0, f"serve exit status {exit_status}:\n{serve.log()}"
        children = {*pids, *workers}
        wait_until(
            lambda: not any(is_running(pid) for pid in children),
            f"child processes {sorted(children)} gone (API processes, worker processes)",
            CHILD_EXIT_SECONDS,
        )


def test_standalone_worker_serves_its_metrics_and_stops_on_sigterm(
    production_database: str, redis_url: str, tmp_path: Path
) -> None:
    metrics_port = free_port()
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    completed = ("sellers_center_batches_total", {"kind": "stocks", "status": "completed"})
    with cluster(tmp_path, production_database, redis_url) as running:
        key = seller_key(running, "standalone")
        api = running.start_api("api", embedded_worker=False)
        assert api.base_url is not None
        worker = start_standalone_worker(running, metrics_port)
        try:
            wait_for(lambda: metrics_page(metrics_url), f"worker metrics at {metrics_url}")
            batch_id = submit_stocks(api.base_url, key, "STANDALONE-1")
            result = wait_until_final(api.base_url, key, batch_id)
            assert result["status"] == "completed", result
            counted = wait_for(
                lambda: metric_value(scrape(metrics_url), *completed),
                f"{completed} on the worker's metrics",
            )
            assert counted == 1

            worker.terminate()
            try:
                exit_status: int | None = worker.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                exit_status = None  # killed below; reported by the assertion
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=STOP_SECONDS)
    log = (tmp_path / "worker.log").read_text(encoding="utf-8", errors="replace")
    assert exit_status == 0, f"worker exit status {exit_status}:\n{log}"


def test_migrate_creates_a_missing_database_once(production_database: str, tmp_path: Path) -> None:
    name = f"sellers_center_create_{uuid.uuid4().hex[:12]}"
    url = make_url(production_database).set(database=name).render_as_string(hide_password=False)
    try:
        first = run_command(url, "migrate", "--create-database", folder=tmp_path)
        second = run_command(url, "migrate", "--create-database", folder=tmp_path)
        created_version = schema_version(url)
    finally:
        support.drop_postgres_database(url)

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [f"Created database {name}.", "Database is up to date."]
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["Database is up to date."]
    assert created_version == schema_version(production_database)
