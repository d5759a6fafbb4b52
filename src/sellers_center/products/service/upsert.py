"""The upsert batch: check every item, then write the valid ones, a fixed number of statements
per batch. Publication is the lifecycle's: the upsert follows its ``PublicationPolicy`` and
reports what changed (``UpsertOutcome``) for it to follow up on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.products.repository import styles as style_rows
from sellers_center.products.repository import variants as variant_rows
from sellers_center.products.rules.item import BatchCatalog, item_errors
from sellers_center.products.rules.publication import PublicationPolicy
from sellers_center.products.rules.style import WorkingState, evaluate
from sellers_center.products.schemas import UpsertProductItemSchema
from sellers_center.products.variant import Variant


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


@dataclass(frozen=True, slots=True)
class Basis:
    """What an item's own checks depend on besides the item: the catalogue's version and the
    seller's brands."""

    catalog_version: int
    brands: frozenset[int]


@dataclass(frozen=True, slots=True)
class CheckedItem:
    """An item with what it is on its own: its variant, and its errors that do not depend on
    the seller's stored products, as checked against ``basis``."""

    item: UpsertProductItemSchema
    variant: Variant
    errors: tuple[str, ...]
    basis: Basis


async def check_items(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpsertProductItemSchema],
    *,
    catalog_cache: CatalogCache,
) -> list[CheckedItem]:
    """Each item's own checks, which need no write: done before the write transaction, they
    keep most of an upsert's CPU out of it (on SQLite, out of the database's one write lock).
    ``upsert_products`` redoes them only when the catalogue or the brands changed since."""
    basis, catalog = await _basis(session, context.seller_id, catalog_cache)
    return [_check(item, catalog, basis) for item in items]


async def upsert_products(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpsertProductItemSchema | CheckedItem],
    *,
    catalog_cache: CatalogCache,
    policy: PublicationPolicy,
) -> UpsertOutcome:
    """Check every item (those from ``check_items`` again only if their basis moved), then
    write the valid ones: a fixed number of statements per batch."""
    basis, catalog = await _basis(session, context.seller_id, catalog_cache)
    checked = [
        item
        if isinstance(item, CheckedItem) and item.basis == basis
        else _check(item, catalog, basis)
        for item in items
    ]
    candidates = [entry.variant for entry in checked]
    style_keys = {item.style_key for item in candidates}
    styles = await style_rows.load_styles(session, context.seller_id, style_keys, lock=True)
    variants = await variant_rows.load_variants(
        session,
        context.seller_id,
        style_keys=style_keys,
        skus={item.sku for item in candidates},
        eans={item.ean for item in candidates if item.ean is not None},
    )
    own_errors = [list(entry.errors) for entry in checked]
    state, errors = evaluate(candidates, own_errors, styles, variants, policy)
    created = await _write(session, context, state)
    outcomes = [ItemOutcome(tuple(item_errors)) for item_errors in errors]
    return UpsertOutcome(outcomes, created, _changed_styles(state))


async def _basis(
    session: AsyncSession, seller_id: int, catalog_cache: CatalogCache
) -> tuple[Basis, BatchCatalog]:
    catalog = await catalog_cache.get(session)
    brands = frozenset(brand for brand, _ in await accounts.seller_brands(session, seller_id))
    return Basis(catalog.version, brands), BatchCatalog.of(catalog, brands)


def _check(
    item: UpsertProductItemSchema | CheckedItem, catalog: BatchCatalog, basis: Basis
) -> CheckedItem:
    if isinstance(item, CheckedItem):  # checked against another catalogue or other brands
        return CheckedItem(item.item, item.variant, tuple(item_errors(item.item, catalog)), basis)
    return CheckedItem(item, Variant.of(item), tuple(item_errors(item, catalog)), basis)


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
