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
