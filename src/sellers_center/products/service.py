"""Product verbs: apply an upsert batch, list variants, delete a draft variant, and what other
domains ask of styles and variants (the lifecycle: find, lock and set statuses; sale gaps).

Publication is the lifecycle's: the upsert and the deletion take its rules as a
``PublicationPolicy`` and report what changed (``UpsertOutcome``) for the lifecycle to follow up
on, so this package never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.products.repository import prices as price_rows
from sellers_center.products.repository import styles as style_rows
from sellers_center.products.repository import updates
from sellers_center.products.repository import variants as variant_rows
from sellers_center.products.repository.prices import PriceRow
from sellers_center.products.repository.styles import StoredStyle, StyleEntry, StyleSummary
from sellers_center.products.repository.updates import StockLevel
from sellers_center.products.repository.variants import ListedVariant
from sellers_center.products.rules import messages
from sellers_center.products.rules.completeness import sale_gaps
from sellers_center.products.rules.item import BatchCatalog, item_errors
from sellers_center.products.rules.publication import PublicationPolicy
from sellers_center.products.rules.style import WorkingState, evaluate
from sellers_center.products.schemas import UpsertProductItemSchema
from sellers_center.products.variant import Variant

__all__ = ["ListedVariant", "StockLevel", "StoredStyle", "StyleEntry", "StyleSummary"]


@dataclass(frozen=True, slots=True)
class ChangedStyle:
    """A stored style a batch changed: its status then and its variants that cannot be sold."""

    id: int
    status: str
    unsellable: tuple[str, ...]
    """SKUs in order; empty when every variant of the style can be sold."""


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    outcomes: list[ItemOutcome]
    """One per item, in order."""
    created: list[int]
    """Ids of the styles the batch created, in key order."""
    changed: list[ChangedStyle]
    """The stored styles the batch changed, in the order of their first applied item."""


async def upsert_products(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpsertProductItemSchema],
    *,
    catalog_cache: CatalogCache,
    policy: PublicationPolicy,
) -> UpsertOutcome:
    """Check every item, then write the valid ones: a fixed number of statements per batch."""
    catalog = await catalog_cache.get(session)
    brands = frozenset(
        brand for brand, _ in await accounts.seller_brands(session, context.seller_id)
    )
    batch_catalog = BatchCatalog.of(catalog, brands)
    own_errors = [item_errors(item, batch_catalog) for item in items]
    candidates = [Variant.of(item) for item in items]
    style_keys = {item.style_key for item in items}
    styles = await style_rows.load_styles(session, context.seller_id, style_keys, lock=True)
    variants = await variant_rows.load_variants(
        session,
        context.seller_id,
        style_keys=style_keys,
        skus={item.sku for item in items},
        eans={item.ean for item in items if item.ean is not None},
    )
    state, errors = evaluate(candidates, own_errors, styles, variants, policy)
    created = await _write(session, context, state)
    outcomes = [ItemOutcome(tuple(item_errors)) for item_errors in errors]
    return UpsertOutcome(outcomes, created, _changed_styles(state))


async def _write(session: AsyncSession, context: BatchContext, state: WorkingState) -> list[int]:
    """Write the applied variants; returns the ids of the styles created."""
    applied = list(state.applied.values())
    if not applied:
        return []
    keys = list(dict.fromkeys(variant.style_key for variant in applied))
    style_ids = {key: state.style_ids[key] for key in keys if key in state.style_ids}
    new_keys = [key for key in keys if key not in style_ids]
    created = await style_rows.insert_styles(
        session, context.seller_id, new_keys, state.policy.new_style_status, context.now
    )
    await style_rows.touch_styles(session, style_ids.values(), context.now)
    style_ids.update(created)
    # Codes change hands within a batch (A gives up an EAN that B takes): clear the old codes
    # first, so the upsert meets the unique constraint whatever its row order.
    await variant_rows.clear_eans(session, context.seller_id, state.released_eans())
    stored = [variant.sku for variant in applied if variant.sku in state.stored_skus]
    await variant_rows.upsert_variants(
        session, context.seller_id, applied, style_ids, stored_skus=stored, now=context.now
    )
    return list(created.values())


def _changed_styles(state: WorkingState) -> list[ChangedStyle]:
    changed = []
    for key in dict.fromkeys(item.style_key for item in state.applied.values()):
        style_id = state.style_ids.get(key)
        if style_id is None:  # created by the batch
            continue
        unsellable = sorted(s for s in state.members[key] if not state.variants[s].is_sellable)
        changed.append(ChangedStyle(style_id, state.style_status[key], tuple(unsellable)))
    return changed


async def list_products(
    session: AsyncSession,
    seller_id: int,
    *,
    style_key: str | None,
    sku: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[ListedVariant], int]:
    """A page of the seller's variants, each with its style's status, and how many there are."""
    return await variant_rows.list_variants(
        session,
        seller_id,
        style_key=style_key,
        sku=sku,
        status=status,
        offset=offset,
        limit=limit,
    )


async def delete_product(
    session: AsyncSession, seller_id: int, sku: str, policy: PublicationPolicy
) -> None:
    """Remove a variant of a style still in preparation; the style goes with its last
    variant."""
    found = await variant_rows.find_variant_for_delete(session, seller_id, sku)
    if found is None:
        raise NotFoundError(messages.product_not_found(sku))
    variant_id, style_id, style_key, status = found
    if status not in policy.deletable_statuses:
        raise ConflictError(messages.product_not_deletable(sku, style_key, status))
    await variant_rows.delete_variant(session, variant_id, style_id)


# --- what the lifecycle asks of styles --------------------------------------------------------


async def styles(
    session: AsyncSession, seller_id: int, style_keys: Iterable[str], *, lock: bool = False
) -> dict[str, StoredStyle]:
    """The seller's styles with these keys, by key; ``lock`` holds them until the transaction
    ends (taken in key order)."""
    found = await style_rows.load_styles(session, seller_id, style_keys, lock=lock)
    return {style.style_key: style for style in found}


async def set_style_statuses(
    session: AsyncSession, statuses: Mapping[int, str], now: datetime
) -> None:
    """Give each style (by id) its new status."""
    await style_rows.set_statuses(session, statuses, now)


async def set_style_rejection(
    session: AsyncSession, style_id: int, reasons: Sequence[str], message: str | None
) -> None:
    await style_rows.set_rejection(session, style_id, reasons, message)


async def lock_styles_in_status(
    session: AsyncSession, status: str, limit: int
) -> list[StoredStyle]:
    """Up to ``limit`` styles in ``status``, locked; concurrent callers skip them."""
    return await style_rows.lock_styles_in_status(session, status, limit)


async def styles_in_status(
    session: AsyncSession, status: str, seller_id: int | None
) -> list[StyleSummary]:
    return await style_rows.styles_in_status(session, status, seller_id)


async def style_page(
    session: AsyncSession,
    seller_id: int,
    status: str,
    *,
    style_key: str | None,
    offset: int,
    limit: int,
) -> tuple[list[StyleEntry], int]:
    return await style_rows.style_page(
        session, seller_id, status, style_key=style_key, offset=offset, limit=limit
    )


async def sale_gaps_of_styles(
    session: AsyncSession, style_ids: Iterable[int]
) -> dict[int, list[str]]:
    """What keeps each style's variants from being sold (SKU order), by style id."""
    inputs = await variant_rows.sale_inputs_of_styles(session, style_ids)
    stored = await price_rows.rows_of(session, [variant.id for variant in inputs])
    gaps: dict[int, list[str]] = {}
    for variant in inputs:
        priced = {
            row.country_code for row in stored.get(variant.id, []) if row.retail_price is not None
        }
        found = sale_gaps(variant.sku, variant.countries, priced, has_images=variant.has_images)
        gaps.setdefault(variant.style_id, []).extend(found)
    return gaps


async def styles_with_unsellable_variants(
    session: AsyncSession, style_ids: Sequence[int]
) -> set[int]:
    return await variant_rows.styles_with_unsellable_variants(session, style_ids)


# --- what stock and price batches and orders ask of variants ---------------------------------


async def stock_levels(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, StockLevel]:
    """The stock of the seller's variants with these SKUs, by SKU, locked until the transaction
    ends: what a stock batch decides on must not change before it writes."""
    return await updates.lock_stock(session, seller_id, skus)


async def set_stock(
    session: AsyncSession, seller_id: int, levels: Sequence[StockLevel], now: datetime
) -> None:
    """Each SKU's new quantity and the validity of the update that set it."""
    await updates.save_stock(session, seller_id, levels, now)


async def reserve_stock(
    session: AsyncSession, seller_id: int, units: Mapping[str, int], now: datetime
) -> list[str]:
    """Take ``units`` of each SKU from its stock, all or none. Each take is one atomic
    statement that applies only while enough units are there, so two concurrent reservations
    of the last unit cannot both succeed; SKUs are taken in order, so they cannot deadlock.
    Returns the SKUs that are short (unknown, without counted stock, or too few units): then
    nothing was taken."""
    _check_units(units)
    async with session.begin_nested() as savepoint:
        short = [
            sku
            for sku in sorted(units)
            if not await updates.take(session, seller_id, sku, units[sku], now)
        ]
        if short:
            await savepoint.rollback()
    return short


async def release_stock(
    session: AsyncSession, seller_id: int, units: Mapping[str, int], now: datetime
) -> list[str]:
    """Put reserved ``units`` of each SKU back into its stock (one atomic statement each, in SKU
    order). Returns the SKUs that could not take them back (unknown, or whose stock is no
    longer counted); the others are given back."""
    _check_units(units)
    return [
        sku
        for sku in sorted(units)
        if not await updates.give_back(session, seller_id, sku, units[sku], now)
    ]


def _check_units(units: Mapping[str, int]) -> None:
    if any(count <= 0 for count in units.values()):
        raise ValueError(f"units to reserve or release must be positive: {dict(units)}")


@dataclass
class PriceState:
    """A variant's prices as a price batch finds them, locked until its transaction ends."""

    sku: str
    _variant: updates.SellabilityRow
    _rows: dict[str, PriceRow]

    def valid_at(self, country_code: str) -> datetime | None:
        """When the last price update applied for this country was valid."""
        row = self._rows.get(country_code)
        return None if row is None else row.valid_at


@dataclass(frozen=True, slots=True)
class PriceChange:
    sku: str
    country_code: str
    retail_price: Decimal
    sale_price: Decimal | None
    valid_at: datetime


async def price_states(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, PriceState]:
    """The prices of the seller's variants with these SKUs, by SKU, locked until the
    transaction ends."""
    variants = await updates.lock_sellability(session, seller_id, skus)
    stored = await price_rows.rows_of(session, [variant.id for variant in variants.values()])
    return {
        sku: PriceState(sku, variant, {row.country_code: row for row in stored.get(variant.id, [])})
        for sku, variant in variants.items()
    }


async def set_prices(
    session: AsyncSession,
    states: Mapping[str, PriceState],
    changes: Sequence[PriceChange],
    now: datetime,
) -> None:
    """Apply ``changes`` in order to the variants ``price_states`` gave: a country's price is
    replaced where it stands, a new one goes last. Each changed variant's sellability is derived
    again (a price for a country it lacked can make it sellable)."""
    touched: dict[int, dict[str, PriceRow]] = {}
    for change in changes:
        state = states[change.sku]
        current = state._rows.get(change.country_code)
        if current is not None and current.retail_price is not None:
            position = current.position
        else:
            position = _next_position(state._rows.values())
        row = PriceRow(
            change.country_code, position, change.retail_price, change.sale_price, change.valid_at
        )
        state._rows[change.country_code] = row
        touched.setdefault(state._variant.id, {})[change.country_code] = row
    await price_rows.save(session, {key: list(rows.values()) for key, rows in touched.items()})
    changed = {states[change.sku]._variant.id: states[change.sku] for change in changes}
    sellable = {key: not _price_state_gaps(state) for key, state in changed.items()}
    await updates.save_sellability(session, sellable, now)


def _next_position(rows: Iterable[PriceRow]) -> int:
    positions = [row.position for row in rows if row.position is not None]
    return max(positions, default=-1) + 1


def _price_state_gaps(state: PriceState) -> list[str]:
    variant = state._variant
    priced = {code for code, row in state._rows.items() if row.retail_price is not None}
    return sale_gaps(variant.sku, variant.countries, priced, has_images=variant.has_images)
