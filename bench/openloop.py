"""Open-loop submissions: batches arrive at a fixed mean rate whatever the server does.

Arrivals are a Poisson process (exponential gaps, seeded, so two runs offer the same
schedule): a closed-loop client slows down with the server and so hides queueing, which is what
a latency target at a given load is about. Each submission is sent at its scheduled time on a
connection of its own from a pool, however long earlier ones take; how late the client itself
sent them is reported, so a busy benchmark machine shows up instead of lowering the load
silently. Latency is submit to final as the server recorded it (``created_at`` to
``finished_at``), as in bench/ingest.py.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.client import LeanClient
from bench.embedded import EmbeddedServer
from bench.ingest import percentile, submit

# Enough connections that a slow answer never delays the next arrival.
MAX_CONNECTIONS = 256


@dataclass(frozen=True)
class OpenLoopRun:
    offered_rate: float  # batches per second asked for
    seconds: float
    batch_ids: Sequence[str]
    latencies: Sequence[float]  # seconds, submit to final, as the server recorded them
    worst_lag: float  # seconds the client sent an arrival after its scheduled time, at most

    def percentile_ms(self, rank: int) -> float:
        return percentile(self.latencies, rank)


def schedule(rate: float, seconds: float, seed: int = 14) -> list[float]:
    """Arrival times (seconds from the start) of a Poisson process of ``rate`` per second."""
    generator, times, now = random.Random(seed), [], 0.0
    while True:
        now += generator.expovariate(rate)
        if now >= seconds:
            return times
        times.append(now)


async def _submit_all(
    server: EmbeddedServer, arrivals: Sequence[float], payload: Callable[[int], bytes]
) -> tuple[list[str], float]:
    headers = {"X-API-Key": server.key, "Content-Type": "application/json"}
    bodies = [payload(n) for n in range(len(arrivals))]
    worst_lag = 0.0
    async with LeanClient(server.url, headers, max_connections=MAX_CONNECTIONS) as client:
        tasks = []
        started = time.perf_counter()
        for at, body in zip(arrivals, bodies, strict=True):
            await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
            worst_lag = max(worst_lag, time.perf_counter() - started - at)
            tasks.append(asyncio.create_task(submit(client, body)))
        ids = await asyncio.gather(*tasks)
    return list(ids), worst_lag


def run(
    server: EmbeddedServer,
    rate: float,
    seconds: float,
    payload: Callable[[int], bytes],
    seed: int = 14,
) -> OpenLoopRun:
    """Offer ``rate`` batches per second for ``seconds``, batch ``n`` being ``payload(n)``."""
    arrivals = schedule(rate, seconds, seed)
    if not arrivals:
        raise ValueError(f"no arrival in {seconds} s at {rate}/s: run longer")
    ids, worst_lag = asyncio.run(_submit_all(server, arrivals, payload))
    asyncio.run(server.wait_final(ids))
    timings = server.timings(ids)
    latencies = [(finished - created).total_seconds() for created, finished, _ in timings.values()]
    failed = [status for _, _, status in timings.values() if status != "completed"]
    if failed:
        raise RuntimeError(f"{len(failed)} batches did not complete")
    return OpenLoopRun(rate, seconds, ids, latencies, worst_lag)
