"""Results reads: the embedded server against a raw ASGI app sending the same bytes.

A real server (``serve``, SQLite, rate limits off) stores and completes one 100-item product
batch; its ``GET /api/v1/results/products`` response (body and headers) is handed to a raw ASGI
app under the same uvicorn configuration (bench/rawapp.py). The load generator (bench/loadgen.py)
drives each at the same concurrency for the same time, in rounds raw, app, app, raw so that a
change of the machine's load during the run touches both alike. Each round also records the
CPU time the server process used, which tells whether the server or the generator was the limit.

The generator's own ceiling is measured against the same bytes served without uvicorn
(``rawapp --bare``); with one connection, the app's time per read is measured too.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import loadgen
from bench.client import LeanClient
from bench.embedded import EmbeddedServer
from bench.ingest import STARTUP_SECONDS, free_port, submit
from bench.payloads import product_batch
from bench.rawapp import save_response

ROUNDS = ("raw", "app", "app", "raw")
# uvicorn writes these itself on every response.
ADDED_BY_UVICORN = ("date", "server")


@dataclass
class Round:
    server: str
    tally: loadgen.Tally


@dataclass
class ReadResult:
    rounds: list[Round] = field(default_factory=list)
    single_client: loadgen.Tally | None = None
    ceiling: loadgen.Tally | None = None

    def rate(self, server: str) -> float:
        return statistics.mean(r.tally.rate for r in self.rounds if r.server == server)

    @property
    def ratio(self) -> float:
        return self.rate("app") / self.rate("raw")


class RawServer:
    """``python -m bench.rawapp`` on a free port, started and waited for."""

    def __init__(self, folder: Path, response: Path, *, bare: bool = False) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "bench.rawapp", "--port", str(self.port)]
        command += ["--response", str(response)] + (["--bare"] if bare else [])
        name = "bare" if bare else "raw"
        with (folder / f"{name}.log").open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the {name} server did not start; see {folder}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


async def completed_batch(server: EmbeddedServer) -> tuple[str, httpx.Response]:
    """Submit one 100-item product batch, wait until it is completed; its results response."""
    async with LeanClient(server.url, {"X-API-Key": server.key}) as client:
        batch_id = await submit(client, product_batch(0, 100))
    await server.wait_final([batch_id])
    # httpx here: the raw app is given the response's headers too.
    async with httpx.AsyncClient(base_url=server.url, headers={"X-API-Key": server.key}) as reader:
        response = await reader.get(
            "/api/v1/results/products", params={"batch_request_id": batch_id}
        )
    response.raise_for_status()
    if response.json()["status"] != "completed":
        raise RuntimeError(f"the batch did not complete: {response.text[:300]}")
    return batch_id, response


def measure(folder: Path, *, connections: int, processes: int, seconds: float) -> ReadResult:
    result = ReadResult()
    with EmbeddedServer(folder).start() as server:
        batch_id, response = asyncio.run(completed_batch(server))
        headers = [(k, v) for k, v in response.headers.items() if k not in ADDED_BY_UVICORN]
        saved = save_response(folder, response.content, headers)
        target = f"/api/v1/results/products?batch_request_id={batch_id}"
        _, _, request = loadgen.build_request(
            f"http://127.0.0.1:{server.port}{target}", [("X-API-Key", server.key)]
        )
        raw = RawServer(folder, saved)
        try:
            for name in ROUNDS:
                port, pid = (
                    (raw.port, raw.process.pid) if name == "raw" else (server.port, server.pid)
                )
                tally = loadgen.hammer(
                    "127.0.0.1", port, request, connections=connections, processes=processes,
                    seconds=seconds, watch=pid,
                )  # fmt: skip
                result.rounds.append(Round(name, tally))
        finally:
            raw.stop()
        result.single_client = loadgen.hammer(
            "127.0.0.1", server.port, request, connections=1, processes=1, seconds=seconds,
            watch=server.pid,
        )  # fmt: skip
    bare = RawServer(folder, saved, bare=True)
    try:
        result.ceiling = loadgen.hammer(
            "127.0.0.1", bare.port, request, connections=connections, processes=processes,
            seconds=seconds,
        )  # fmt: skip
    finally:
        bare.stop()
    return result


def describe(result: ReadResult, *, connections: int, processes: int) -> list[str]:
    """The detail lines printed under the table."""
    lines = [
        f"results read: {connections} connections from {processes} generator process(es), "
        f"rounds {', '.join(ROUNDS)}:"
    ]
    for number, entry in enumerate(result.rounds, 1):
        tally = entry.tally
        cpu = "?" if tally.watched_cpu is None else f"{tally.watched_cpu:.2f}"
        lines.append(
            f"{number}. {entry.server:<3} {tally.rate:>8,.0f} req/s  p50 "
            f"{tally.percentile_ms(50):6.1f} ms  p99 {tally.percentile_ms(99):6.1f} ms  "
            f"server cpu {cpu}  generator cpu {tally.cpu:.2f}  errors {tally.errors}"
        )
        lines += [f"   {problem}" for problem in tally.problems[:3]]
    if result.single_client is not None:
        one = result.single_client
        cpu = "" if not one.responses else f", server CPU {per_response_ms(one):.2f} ms per read"
        lines.append(
            f"app, one connection: {one.rate:,.0f} req/s, p50 {one.percentile_ms(50):.1f} ms "
            f"per read, p99 {one.percentile_ms(99):.1f} ms{cpu}"
        )
    if result.ceiling is not None:
        bare = result.ceiling
        lines.append(
            f"generator ceiling (same bytes, bare asyncio server, no uvicorn): "
            f"{bare.rate:,.0f} req/s, generator cpu {bare.cpu:.2f}, errors {bare.errors}"
        )
    return lines + _costs(result)


def per_response_ms(tally: loadgen.Tally) -> float:
    return (tally.watched_cpu_seconds or 0.0) / tally.responses * 1000


def _costs(result: ReadResult) -> list[str]:
    """CPU time per response: unlike the rates, it hardly moves with how much of the machine
    other processes take, so it shows what each side would do on a core of its own."""
    app, raw = ([e.tally for e in result.rounds if e.server == name] for name in ("app", "raw"))
    if not app or not raw or not all(t.responses for t in app + raw):
        return []
    generator = sum(t.cpu_seconds for t in raw) / sum(t.responses for t in raw)
    lines = [
        f"generator cost in the raw rounds: {generator * 1e6:.0f} µs CPU per response, "
        f"{1 / generator:,.0f} req/s per core"
    ]
    if all(t.watched_cpu_seconds is not None for t in app + raw):
        costs = [
            sum(t.watched_cpu_seconds or 0.0 for t in tallies) / sum(t.responses for t in tallies)
            for tallies in (app, raw)
        ]
        lines.append(
            f"server CPU per response: app {costs[0] * 1000:.2f} ms, raw {costs[1] * 1000:.3f} "
            f"ms; raw / app = {costs[1] / costs[0]:.3f} (the ratio if CPU were the only limit)"
        )
    return lines
