"""Apply stock and price batches: one read, item checks in memory, one write per batch.

Items apply in submission order, each seeing what the ones before it applied, so two items for
one SKU (and country) in a batch behave exactly as if the second came in a later batch: arrival
order decides, and an older ``valid_at`` than the one applied is stale (SPEC §5).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.inventory import repository, rules
from sellers_center.inventory.repository import VariantState
from sellers_center.inventory.schemas import UpdatePriceItemSchema, UpdateStockItemSchema
from sellers_center.products.rules import messages


@dataclass(frozen=True, slots=True)
class Validity:
    """An update's ``valid_at`` against the last applied one of its SKU (and country)."""

    valid_at: datetime
    """The time to keep as last applied when the update applies (UTC once in bounds)."""
    stale_since: datetime | None = None
    """The later time already applied, which makes this update stale."""
    ahead_limit: datetime | None = None
    """The latest ``valid_at`` accepted, which this one passes."""
    is_before_year_one: bool = False


def validity(sent: datetime | None, applied: datetime | None, now: datetime) -> Validity:
    """Without ``valid_at`` the arrival order decides: the update applies and keeps the later
    of the stored time and now, so explicit updates older than either stay stale. ``now`` is
    the batch's clock, never the wall clock."""
    if sent is None:
        return Validity(now if applied is None else max(applied, now))
    moment = sent.replace(tzinfo=UTC) if sent.tzinfo is None else sent
    limit = now + rules.VALID_AT_LEAD
    if moment > limit:
        return Validity(moment, ahead_limit=limit)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00
        return Validity(moment, is_before_year_one=True)
    return Validity(
        moment, stale_since=applied if applied is not None and moment < applied else None
    )


class _Changes:
    """Variants changed by a batch, with their parsed data, written back once at the end."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, VariantState] = {}

    def data_of(self, variant: VariantState) -> dict[str, Any]:
        if variant.sku not in self.data:
            self.data[variant.sku] = from_json(variant.data)
            self.variants[variant.sku] = variant
        return self.data[variant.sku]

    async def save(self, session: AsyncSession, now: datetime) -> None:
        for sku, data in self.data.items():
            self.variants[sku].data = to_json(data).decode()
        await repository.save_variants(session, list(self.variants.values()), now)


async def update_stocks(
    session: AsyncSession, context: BatchContext, items: Sequence[UpdateStockItemSchema]
) -> list[ItemOutcome]:
    variants = await repository.load_variants(session, context.seller_id, {i.sku for i in items})
    changes = _Changes()
    outcomes = []
    for item in items:
        variant = variants.get(item.sku)
        if variant is None:
            outcomes.append(ItemOutcome((messages.product_not_found(item.sku),)))
            continue
        timing = validity(item.valid_at, variant.stock_valid_at, context.now)
        error = _stock_time_error(item.sku, timing)
        if error is not None:
            outcomes.append(ItemOutcome((error,)))
            continue
        changes.data_of(variant)["quantity"] = item.quantity
        variant.stock_valid_at = timing.valid_at
        outcomes.append(ItemOutcome())
    await changes.save(session, context.now)
    return outcomes


def _stock_time_error(sku: str, timing: Validity) -> str | None:
    if timing.ahead_limit is not None:
        return rules.stock_ahead(sku, timing.valid_at, timing.ahead_limit)
    if timing.is_before_year_one:
        return rules.valid_at_too_early(sku, timing.valid_at)
    if timing.stale_since is not None:
        return rules.stock_stale(sku, timing.valid_at, timing.stale_since)
    return None


def _price_time_errors(sku: str, code: str, timing: Validity, *, is_valid: bool) -> list[str]:
    """Bounds always; staleness only of an otherwise valid price (it would apply)."""
    if timing.ahead_limit is not None:
        return [rules.price_ahead(sku, code, timing.valid_at, timing.ahead_limit)]
    if timing.is_before_year_one:
        return [rules.valid_at_too_early(sku, timing.valid_at)]
    if timing.stale_since is not None and is_valid:
        return [rules.price_stale(sku, code, timing.valid_at, timing.stale_since)]
    return []


async def update_prices(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpdatePriceItemSchema],
    *,
    catalog_cache: CatalogCache,
) -> list[ItemOutcome]:
    catalog = await catalog_cache.get(session)
    currencies = {country.code: country.currency_code for country in catalog.countries}
    variants = await repository.load_variants(session, context.seller_id, {i.sku for i in items})
    changes = _Changes()
    outcomes = []
    for item in items:
        price, code = item.price, item.price.country_code.upper()
        variant = variants.get(item.sku)
        if variant is None:
            outcomes.append(ItemOutcome((messages.product_not_found(item.sku),)))
            continue
        errors = rules.price_errors(
            item.sku, code, price.retail_price, price.sale_price, currencies
        )
        times = json.loads(variant.price_valid_at or "{}")
        applied = datetime.fromisoformat(times[code]) if code in times else None
        timing = validity(item.valid_at, applied, context.now)
        errors += _price_time_errors(item.sku, code, timing, is_valid=not errors)
        if not errors:
            _set_price(changes.data_of(variant), code, item)
            times[code] = timing.valid_at.isoformat()
            variant.price_valid_at = json.dumps(times, sort_keys=True)
        outcomes.append(ItemOutcome(tuple(errors)))
    await changes.save(session, context.now)
    return outcomes


def _set_price(data: dict[str, Any], code: str, item: UpdatePriceItemSchema) -> None:
    """Replace the country's price in the stored item (exact decimal strings), or add it."""
    entry = {
        "country_code": code,
        "retail_price": str(item.price.retail_price),
        "sale_price": None if item.price.sale_price is None else str(item.price.sale_price),
    }
    prices = data["prices"]
    position = next((n for n, p in enumerate(prices) if p["country_code"] == code), len(prices))
    prices[position : position + 1] = [entry]
