"""Embedded servers on databases grown with bench/seed.py, and the ingest measured on them.

A template database is prepared once by a real server: the demo catalogue and seller, one
completed 100-item product batch (the variants seeding copies) and one completed 1-item stock
batch (the batch seeding copies). Each measurement gets a copy of it, grown to its size while no
server runs, then a server started on it with the demo seller's key.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.client import LeanClient
from bench.embedded import EmbeddedServer
from bench.ingest import ITEMS_PER_BATCH, run_clients, submit
from bench.payloads import product_batch, stock_batch

# The template's product batch; measured payloads are numbered from MEASURED_BATCHES on, so
# they create new styles and variants, never touching the template's; warm-up batches are
# numbered from WARMUP_BATCHES.
TEMPLATE_BATCH = 0
WARMUP_BATCHES = 100
MEASURED_BATCHES = 1_000


@dataclass(frozen=True)
class Template:
    database: Path
    key: str
    product_batch_id: str
    stock_batch_id: str


def prepare_template(folder: Path) -> Template:
    folder.mkdir(parents=True, exist_ok=True)
    with EmbeddedServer(folder).start() as server:
        ids = asyncio.run(_template_batches(server))
    return Template(server.database, server.key, *ids)


async def _template_batches(server: EmbeddedServer) -> tuple[str, str]:
    async with LeanClient(server.url, {"X-API-Key": server.key}) as client:
        products = await submit(client, product_batch(TEMPLATE_BATCH, ITEMS_PER_BATCH))
        await server.wait_final([products])
        stocks = await submit(client, stock_batch(0, ITEMS_PER_BATCH, 1), "stocks")
        await server.wait_final([stocks])
    return products, stocks


def server_on_copy(template: Template, folder: Path) -> EmbeddedServer:
    """A server (not started) on a copy of the template database in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    server = EmbeddedServer(folder)
    for suffix in ("", "-wal"):  # a cleanly stopped server leaves no -wal; copy one if left
        source = template.database.with_name(template.database.name + suffix)
        if source.exists():
            shutil.copyfile(source, server.database.with_name(server.database.name + suffix))
    server.key = template.key
    return server


@dataclass(frozen=True)
class IngestRun:
    items: int
    seconds: float
    batch_ids: Sequence[str]

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def measured_payloads(count: int, first: int = MEASURED_BATCHES) -> list[bytes]:
    return [product_batch(first + n, ITEMS_PER_BATCH) for n in range(count)]


def warm_up(server: EmbeddedServer, clients: int, first: int = 0) -> None:
    """One batch per client, not counted: the first batches of a process fill its caches."""
    asyncio.run(run_clients(server, measured_payloads(clients, first), clients))


def ingest(server: EmbeddedServer, payloads: Sequence[bytes], clients: int) -> IngestRun:
    """``clients`` clients submit ``payloads`` at once and wait for them all: bench/ingest.py's
    saturated run."""
    ids, seconds = asyncio.run(run_clients(server, payloads, clients))
    return IngestRun(len(ids) * ITEMS_PER_BATCH, seconds, ids)
