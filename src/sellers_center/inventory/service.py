"""Apply stock and price batches: the variants read once (locked), item checks in memory, the
changes written once per batch, through the products domain's verbs.

Items apply in submission order, each seeing what the ones before it applied, so two items for one
SKU (and country) in a batch behave exactly as if the second came in a later batch: arrival order
decides, and an older ``valid_at`` than the one applied is stale (docs/api.md#stock-batches,
#price-batches)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.inventory import rules
from sellers_center.inventory.schemas import UpdatePriceItemSchema, UpdateStockItemSchema
from sellers_center.products import service as products
from sellers_center.products.rules import messages
from sellers_center.products.service import PriceChange, StockLevel


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


async def update_stocks(
    session: AsyncSession, context: BatchContext, items: Sequence[UpdateStockItemSchema]
) -> list[ItemOutcome]:
    levels = await products.stock_levels(session, context.seller_id, {i.sku for i in items})
    applied = {sku: level.valid_at for sku, level in levels.items()}
    changes: dict[str, StockLevel] = {}
    outcomes = []
    for item in items:
        if item.sku not in levels:
            outcomes.append(ItemOutcome((messages.product_not_found(item.sku),)))
            continue
        timing = validity(item.valid_at, applied[item.sku], context.now)
        error = _stock_time_error(item.sku, timing)
        if error is not None:
            outcomes.append(ItemOutcome((error,)))
            continue
        changes[item.sku] = StockLevel(item.sku, item.quantity, timing.valid_at)
        applied[item.sku] = timing.valid_at
        outcomes.append(ItemOutcome())
    await products.set_stock(session, context.seller_id, list(changes.values()), context.now)
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
    states = await products.price_states(session, context.seller_id, {i.sku for i in items})
    applied: dict[tuple[str, str], datetime | None] = {}
    changes = []
    outcomes = []
    for item in items:
        price, code = item.price, item.price.country_code.upper()
        state = states.get(item.sku)
        if state is None:
            outcomes.append(ItemOutcome((messages.product_not_found(item.sku),)))
            continue
        errors = rules.price_errors(
            item.sku, code, price.retail_price, price.sale_price, currencies
        )
        last = applied[item.sku, code] if (item.sku, code) in applied else state.valid_at(code)
        timing = validity(item.valid_at, last, context.now)
        errors += _price_time_errors(item.sku, code, timing, is_valid=not errors)
        if not errors:
            changes.append(
                PriceChange(item.sku, code, price.retail_price, price.sale_price, timing.valid_at)
            )
            applied[item.sku, code] = timing.valid_at
        outcomes.append(ItemOutcome(tuple(errors)))
    await products.set_prices(session, states, changes, context.now)
    return outcomes
