"""Apply stock and price batches: one read, item checks in memory, one write per batch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.inventory import repository, rules
from sellers_center.inventory.repository import VariantState
from sellers_center.inventory.schemas import UpdatePriceItemSchema, UpdateStockItemSchema


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _validity(
    sent: datetime | None, applied: datetime | None, now: datetime
) -> tuple[datetime, datetime | None]:
    """(the time to keep as last applied, the time that makes the update stale or None).

    Without ``valid_at`` the arrival order decides: the update applies and keeps the later of
    the stored time and now, so explicit updates older than either stay stale."""
    if sent is None:
        return (now if applied is None else max(applied, now)), None
    moment = _utc(sent)
    return moment, (applied if applied is not None and moment < applied else None)


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
            outcomes.append(ItemOutcome((rules.product_not_found(item.sku),)))
            continue
        valid_at, newer = _validity(item.valid_at, variant.stock_valid_at, context.now)
        if newer is not None:
            outcomes.append(ItemOutcome((rules.stock_stale(item.sku, valid_at, newer),)))
            continue
        changes.data_of(variant)["quantity"] = item.quantity
        variant.stock_valid_at = valid_at
        outcomes.append(ItemOutcome())
    await changes.save(session, context.now)
    return outcomes


async def update_prices(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpdatePriceItemSchema],
    *,
    catalog_cache: CatalogCache,
) -> list[ItemOutcome]:
    catalog = await catalog_cache.get(session)
    selling = frozenset(country.code for country in catalog.countries)
    variants = await repository.load_variants(session, context.seller_id, {i.sku for i in items})
    changes = _Changes()
    seen: set[tuple[str, str]] = set()
    outcomes = []
    for item in items:
        price, code = item.price, item.price.country_code.upper()
        variant = variants.get(item.sku)
        if variant is None:
            outcomes.append(ItemOutcome((rules.product_not_found(item.sku),)))
            continue
        errors = rules.price_errors(item.sku, code, price.retail_price, price.sale_price, selling)
        if (item.sku, code) in seen:
            errors.append(rules.price_repeated(item.sku, code))
        seen.add((item.sku, code))
        times = json.loads(variant.price_valid_at or "{}")
        applied = datetime.fromisoformat(times[code]) if code in times else None
        valid_at, newer = _validity(item.valid_at, applied, context.now)
        if not errors and newer is not None:
            errors.append(rules.price_stale(item.sku, code, valid_at, newer))
        if not errors:
            _set_price(changes.data_of(variant), code, item)
            times[code] = valid_at.isoformat()
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
