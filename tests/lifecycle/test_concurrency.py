"""Status batches on the same style, processed by two workers at once, behave as if serial.

``update_statuses`` locks the styles (``FOR UPDATE``, in key order) until its transaction
commits, so concurrent batches must end exactly like one of the serial orders of the batches:
the same final status, the same per-item outcomes, and a history without gaps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from sellers_center.db import Database
from sellers_center.engine import service as engine
from sellers_center.engine.worker import Worker
from sellers_center.lifecycle import service as lifecycle
from sellers_center.lifecycle.rules import seller_move
from sellers_center.lifecycle.schemas import ProductStatus
from sellers_center.products import service as products
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from tests.products.factory import ean, jacket, upsert
from tests.support import SellerKey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]

ROUNDS = 10
# Claim loops per worker: every batch of a round can be in a transaction at the same time.
SLOTS_PER_WORKER = 2
BATCHES: dict[str, list[str]] = {
    "A": ["inactive"],
    "B": ["published"],
    "C": ["inactive", "published"],
    "D": ["published", "inactive"],
}
# How every style reaches ``active`` before its round: created, published, approved, activated.
PREPARATION = [
    (None, "draft"),
    ("draft", "pending_approval"),
    ("pending_approval", "pending_active"),
    ("pending_active", "active"),
]

ItemResult = tuple[bool, tuple[str, ...]]
Transition = tuple[str | None, str]


@dataclass(frozen=True)
class Outcome:
    """What a set of batches did to one style: as observed, or as one serial order gives it."""

    final: str
    results: dict[str, tuple[ItemResult, ...]]
    """Per batch name, each item's (success, errors)."""
    transitions: tuple[Transition, ...]
    """The status changes the batches made, in order."""


def serial_outcomes(style_key: str) -> dict[tuple[str, ...], Outcome]:
    """The outcome of every order in which the batches could run one after the other."""
    outcomes = {}
    for order in itertools.permutations(BATCHES):
        current = ProductStatus.ACTIVE
        results: dict[str, tuple[ItemResult, ...]] = {}
        transitions: list[Transition] = []
        for name in order:
            items: list[ItemResult] = []
            for requested in BATCHES[name]:
                move = seller_move(style_key, current, requested, sandbox=False)
                items.append((move.error is None, (move.error,) if move.error else ()))
                if move.error is None and move.to is not None:
                    transitions.append((str(current), str(move.to)))
                    current = move.to
            results[name] = tuple(items)
        outcomes[order] = Outcome(str(current), results, tuple(transitions))
    return outcomes


def body(pairs: Sequence[tuple[str, str]]) -> bytes:
    """A status batch of (style key, status) items."""
    items = [{"style_key": style_key, "status": status} for style_key, status in pairs]
    return json.dumps({"items": items}).encode()


async def submit_status(runtime: Runtime, seller: SellerKey, raw: bytes) -> uuid.UUID:
    async with runtime.database.write_session.begin() as session:
        submission = await engine.submit(
            session,
            kind="status",
            seller_id=seller.seller_id,
            body=raw,
            item_count=len(json.loads(raw)["items"]),
            now=runtime.clock.now(),
        )
    return submission.batch_id


async def read_result(runtime: Runtime, seller: SellerKey, batch_id: uuid.UUID) -> dict[str, Any]:
    async with runtime.database.read_session() as session:
        view = await engine.read_result(
            session, kind="status", seller_id=seller.seller_id, batch_id=batch_id
        )
    result: dict[str, Any] = json.loads(view.to_json())
    return result


async def current_status(database: Database, seller: SellerKey, style_key: str) -> str:
    async with database.read_session() as session:
        styles = await products.styles(session, seller.seller_id, [style_key])
    return styles[style_key].status


async def history(database: Database, seller: SellerKey, style_key: str) -> list[Transition]:
    async with database.read_session() as session:
        entries = await lifecycle.history(session, seller.seller_id, style_key)
    return [(entry.from_status, entry.to_status) for entry in entries]


async def drain(worker: Worker) -> None:
    """One claim loop: process batches until none is left to claim."""
    while await worker.run_once():
        pass


@pytest.fixture
async def second_runtime(
    settings: Settings, kinds: KindsFactory, runtime: Runtime
) -> AsyncIterator[Runtime]:
    """Another process's runtime on the same database: its own connection pool and worker."""
    other = Runtime.from_settings(settings, kinds)
    other.clock = runtime.clock
    yield other
    await other.database.dispose()


async def active_styles(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, style_keys: list[str]
) -> None:
    """Create one complete single-variant style per key and take each to ``active``."""
    items = [
        jacket(sku=f"{key}-S", style_key=key, ean=ean(5000 + n)) for n, key in enumerate(style_keys)
    ]
    upserted = await upsert(client, runtime, seller, items)
    assert upserted["status"] == "completed"
    assert [(item["success"], item["errors"]) for item in upserted["items"]] == [(True, [])] * len(
        items
    )

    published = await submit_status(
        runtime,
        seller,
        body([(key, "published") for key in style_keys]),
    )
    assert await runtime.worker().run_once() is True
    result = await read_result(runtime, seller, published)
    assert result["status"] == "completed"
    assert [item["success"] for item in result["items"]] == [True] * len(style_keys)

    async with runtime.database.write_session.begin() as session:
        for key in style_keys:
            await lifecycle.approve(session, seller.seller_id, key, runtime.clock.now())
    await runtime.worker().run_maintenance()
    for key in style_keys:
        assert await current_status(runtime.database, seller, key) == "active"
        assert await history(runtime.database, seller, key) == PREPARATION


async def test_concurrent_status_batches_on_one_style_end_as_one_serial_order(
    client: httpx.AsyncClient,
    runtime: Runtime,
    second_runtime: Runtime,
    seller: SellerKey,
) -> None:
    style_keys = [f"RACE-{round_number}" for round_number in range(ROUNDS)]
    await active_styles(client, runtime, seller, style_keys)

    for style_key in style_keys:
        serial = serial_outcomes(style_key)
        bodies = {
            name: body([(style_key, status) for status in statuses])
            for name, statuses in BATCHES.items()
        }
        batch_ids = {
            name: await submit_status(runtime, seller, raw) for name, raw in bodies.items()
        }
        workers = [runtime.worker(), second_runtime.worker()]

        await asyncio.gather(
            *(drain(worker) for worker in workers for _ in range(SLOTS_PER_WORKER))
        )

        results = {name: await read_result(runtime, seller, batch_ids[name]) for name in BATCHES}
        assert {name: result["status"] for name, result in results.items()} == dict.fromkeys(
            BATCHES, "completed"
        ), (style_key, results)
        for name, result in results.items():
            echoed = [item["requestItem"] for item in result["items"]]
            assert echoed == json.loads(bodies[name])["items"], (style_key, name)
        chain = await history(runtime.database, seller, style_key)
        observed = Outcome(
            final=await current_status(runtime.database, seller, style_key),
            results={
                name: tuple((item["success"], tuple(item["errors"])) for item in result["items"])
                for name, result in results.items()
            },
            transitions=tuple(chain[len(PREPARATION) :]),
        )
        assert observed.final in {outcome.final for outcome in serial.values()}, (
            style_key,
            observed,
        )
        assert observed.results in [outcome.results for outcome in serial.values()], (
            style_key,
            observed,
        )
        assert observed in serial.values(), (style_key, observed)

        assert chain[: len(PREPARATION)] == PREPARATION
        for previous, following in itertools.pairwise(chain):
            assert following[0] == previous[1], (style_key, chain)
        assert chain[-1][1] == observed.final
