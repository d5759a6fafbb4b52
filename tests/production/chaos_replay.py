"""The chaos test's view of a database (``test_chaos.py``): what it holds, and a serial replay.

``read_snapshot`` reads what a database holds in forms two databases can be compared by (no
ids, no times); ``replay`` applies the stored batches one at a time, in commit order, on a fresh
database; ``compare`` lists every difference between the two.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sellers_center.accounts import service as accounts
from sellers_center.db import Database
from sellers_center.db.tables import (
    Batch,
    BatchPayload,
    BatchResult,
    ProductStyle,
    ProductVariant,
    Seller,
    SellerBrand,
    StyleStatusChange,
    VariantPrice,
)
from sellers_center.engine import service
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings

FINAL = ("completed", "failed")
# Bounds, not expectations.
FINAL_WAIT_SECONDS = 180.0
FINAL_POLL_SECONDS = 0.5


# --- the stored state -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBatch:
    batch_id: uuid.UUID
    kind: str
    seller_id: int
    status: str
    item_count: int
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None
    body: bytes
    result: bytes | None


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, in forms two databases can be compared by (no ids, no times)."""

    sellers: list[tuple[int, str]]
    seller_brands: set[tuple[int, int]]
    batches: dict[uuid.UUID, StoredBatch]
    # (seller_id, sku) -> (style_key, ean, details, quantity, countries, has_images,
    # stock_valid_at, prices [(country, position, retail, sale, valid_at)], is_sellable)
    variants: dict[tuple[int, str], tuple[Any, ...]]
    styles: set[tuple[int, str, str]]
    # (seller_id, style_key) -> [(from, to, cause, detail, batch id)] in the order recorded
    history: dict[tuple[int, str], list[tuple[Any, ...]]]


def canonical(text: str | bytes | None) -> str | None:
    return None if text is None else json.dumps(json.loads(text), sort_keys=True)


async def read_snapshot(url: str) -> Snapshot:
    database = Database(url)
    try:
        async with database.read_session() as session:
            sellers = [
                (row.id, row.name)
                for row in await session.execute(select(Seller.id, Seller.name).order_by(Seller.id))
            ]
            brands = {
                (row.seller_id, row.brand_id)
                for row in await session.execute(
                    select(SellerBrand.seller_id, SellerBrand.brand_id)
                )
            }
            batch_rows = await session.execute(
                select(Batch, BatchPayload.body, BatchResult.items)
                .join(BatchPayload, BatchPayload.batch_id == Batch.id)
                .outerjoin(BatchResult, BatchResult.batch_id == Batch.id)
            )
            batches = {
                batch.id: StoredBatch(
                    batch.id,
                    batch.kind,
                    batch.seller_id,
                    batch.status,
                    batch.item_count,
                    batch.attempts,
                    batch.created_at,
                    batch.finished_at,
                    batch.last_error,
                    body,
                    items,
                )
                for batch, body, items in batch_rows
            }
            prices: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
            price_rows = await session.execute(
                select(VariantPrice).order_by(VariantPrice.variant_id, VariantPrice.country_code)
            )
            for price in price_rows.scalars():
                prices[price.variant_id].append(
                    (
                        price.country_code,
                        price.position,
                        price.retail_price,
                        price.sale_price,
                        price.valid_at,
                    )
                )
            variant_rows = await session.execute(
                select(ProductVariant, ProductStyle.style_key).join(
                    ProductStyle, ProductStyle.id == ProductVariant.style_id
                )
            )
            variants = {
                (variant.seller_id, variant.sku): (
                    style_key,
                    variant.ean,
                    canonical(variant.details),
                    variant.quantity,
                    variant.countries,
                    variant.has_images,
                    variant.stock_valid_at,
                    prices[variant.id],
                    variant.is_sellable,
                )
                for variant, style_key in variant_rows
            }
            styles = {
                (row.seller_id, row.style_key, row.status)
                for row in await session.execute(
                    select(ProductStyle.seller_id, ProductStyle.style_key, ProductStyle.status)
                )
            }
            history: dict[tuple[int, str], list[tuple[Any, ...]]] = defaultdict(list)
            history_rows = await session.execute(
                select(
                    ProductStyle.seller_id,
                    ProductStyle.style_key,
                    StyleStatusChange.from_status,
                    StyleStatusChange.to_status,
                    StyleStatusChange.cause,
                    StyleStatusChange.detail,
                    StyleStatusChange.batch_id,
                )
                .join(ProductStyle, ProductStyle.id == StyleStatusChange.style_id)
                .order_by(StyleStatusChange.id)
            )
            for seller_id, style_key, *change in history_rows:
                history[(seller_id, style_key)].append(tuple(change))
    finally:
        await database.dispose()
    return Snapshot(sellers, brands, batches, variants, styles, dict(history))


async def open_batches(url: str) -> list[str]:
    """Wait (bounded) until every stored batch is final; the ones still open otherwise."""
    database = Database(url)
    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    try:
        while True:
            async with database.read_session() as session:
                rows = (
                    await session.execute(
                        select(
                            Batch.id,
                            Batch.kind,
                            Batch.status,
                            Batch.attempts,
                            Batch.lease_owner,
                            Batch.available_at,
                            Batch.last_error,
                        ).where(Batch.status.not_in(FINAL))
                    )
                ).all()
            if not rows or time.monotonic() > deadline:
                return [str(tuple(row)) for row in rows]
            await asyncio.sleep(FINAL_POLL_SECONDS)
    finally:
        await database.dispose()


# --- serial replay --------------------------------------------------------------------------


def replay_order(batches: dict[uuid.UUID, StoredBatch]) -> list[StoredBatch]:
    """Commit order (see the module docstring); ties (batches sharing no rows) by arrival."""
    return sorted(
        batches.values(),
        key=lambda batch: (
            batch.finished_at or datetime.max.replace(tzinfo=UTC),
            batch.created_at,
            str(batch.batch_id),
        ),
    )


async def replay(
    url: str, ordered: list[StoredBatch], sellers: list[tuple[int, str]]
) -> dict[uuid.UUID, uuid.UUID]:
    """Apply every batch one at a time with an in-process worker on ``url``, a fresh database
    holding the demo catalogue (``support.create_postgres_database``); chaos id -> replay id."""
    runtime = Runtime.from_settings(Settings(database_url=url, rate_limits_enabled=False))
    mapping: dict[uuid.UUID, uuid.UUID] = {}
    try:
        for seller_id, name in sellers:
            async with runtime.database.write_session.begin() as session:
                created = await accounts.create_seller(session, name, None, runtime.clock.now())
            assert created == seller_id, f"replay seller {name} got id {created}, not {seller_id}"
        worker = runtime.worker()
        for batch in ordered:
            async with runtime.database.write_session.begin() as session:
                submission = await service.submit(
                    session,
                    kind=batch.kind,
                    seller_id=batch.seller_id,
                    body=batch.body,
                    item_count=batch.item_count,
                    now=runtime.clock.now(),
                )
            mapping[batch.batch_id] = submission.batch_id
            assert await worker.run_once(), f"replay: batch {batch.batch_id} was not claimed"
    finally:
        await runtime.database.dispose()
    return mapping


def compare(
    chaos: Snapshot,
    replayed: Snapshot,
    ordered: list[StoredBatch],
    mapping: dict[uuid.UUID, uuid.UUID],
) -> list[str]:
    """Every difference between the chaos run's state and the serial replay's."""
    problems = []
    if chaos.sellers != replayed.sellers or chaos.seller_brands != replayed.seller_brands:
        problems.append(f"sellers differ: {chaos.sellers} vs {replayed.sellers}")
    for position, batch in enumerate(ordered):
        again = replayed.batches[mapping[batch.batch_id]]
        if batch.status != again.status:
            problems.append(f"batch {batch.batch_id}: {batch.status}, replayed {again.status}")
        first = json.loads(batch.result or b"null")
        second = json.loads(again.result or b"null")
        if first != second:
            problems.append(
                f"batch {batch.batch_id} ({batch.kind}, #{position} of the replay, "
                f"{batch.attempts} attempts) result differs: "
                + first_difference(first or [], second or [])
            )
    for key in sorted(chaos.variants.keys() | replayed.variants.keys()):
        if chaos.variants.get(key) != replayed.variants.get(key):
            problems.append(
                f"variant {key}: stored {chaos.variants.get(key)}, "
                f"replayed {replayed.variants.get(key)}"
            )
    for style in sorted(chaos.styles ^ replayed.styles):
        side = "only stored" if style in chaos.styles else "only replayed"
        problems.append(f"style {style}: {side}")
    for key in sorted(chaos.history.keys() | replayed.history.keys()):
        stored = [
            (*change[:-1], mapping.get(change[-1], change[-1]))
            for change in chaos.history.get(key, [])
        ]
        if stored != replayed.history.get(key, []):
            problems.append(
                f"status history of {key}: stored {stored}, replayed {replayed.history.get(key)}"
            )
    return problems


def first_difference(first: list[Any], second: list[Any]) -> str:
    if len(first) != len(second):
        return f"{len(first)} items stored, {len(second)} replayed"
    for number, (one, other) in enumerate(zip(first, second, strict=True)):
        if one != other:
            return f"item {number}: stored {one}, replayed {other}"
    return "equal items"
