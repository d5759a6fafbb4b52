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
from typing import Any

from pydantic_core import from_json, to_json
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.products.repository import styles as style_rows
from sellers_center.products.repository import variants as variant_rows
from sellers_center.products.repository.styles import StoredStyle, StyleEntry, StyleSummary
from sellers_center.products.rules import messages
from sellers_center.products.rules.completeness import sale_gaps
from sellers_center.products.rules.item import BatchCatalog, item_errors
from sellers_center.products.rules.publication import PublicationPolicy
from sellers_center.products.rules.style import WorkingState, evaluate, variant_of
from sellers_center.products.schemas import UpsertProductItemSchema

__all__ = ["StoredStyle", "StyleEntry", "StyleSummary"]


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
    style_keys = {item.style_key for item in items}
    styles = await style_rows.load_styles(session, context.seller_id, style_keys, lock=True)
    variants = await variant_rows.load_variants(
        session,
        context.seller_id,
        style_keys=style_keys,
        skus={item.sku for item in items},
        eans={item.ean for item in items if item.ean is not None},
    )
    state, errors = evaluate(items, own_errors, styles, variants, policy)
    created = await _write(session, context, state)
    outcomes = [ItemOutcome(tuple(item_errors)) for item_errors in errors]
    return UpsertOutcome(outcomes, created, _changed_styles(state))


def _stored_form(item: UpsertProductItemSchema) -> str:
    """The item as JSON text with prices as exact decimal strings (a JSON number would pass
    through a binary float on the way back in)."""
    return to_json(item.model_dump()).decode()


def _row(item: UpsertProductItemSchema) -> variant_rows.VariantRow:
    return variant_rows.VariantRow(variant_of(item), _stored_form(item))


async def _write(session: AsyncSession, context: BatchContext, state: WorkingState) -> list[int]:
    """Write the applied items; returns the ids of the styles created."""
    rows = [_row(item) for item in state.applied.values()]
    if not rows:
        return []
    keys = list(dict.fromkeys(row.variant.style_key for row in rows))
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
    await variant_rows.upsert_variants(session, context.seller_id, rows, style_ids, context.now)
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


@dataclass(frozen=True, slots=True)
class ListedVariant:
    """A stored variant as last upserted (the upsert item's fields), with its style's status."""

    item: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime


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
    rows, total = await variant_rows.list_variants(
        session,
        seller_id,
        style_key=style_key,
        sku=sku,
        status=status,
        offset=offset,
        limit=limit,
    )
    listed = [
        ListedVariant(from_json(data), state, created, updated)
        for data, state, created, updated in rows
    ]
    return listed, total


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
    stored = await variant_rows.stored_items_of_styles(session, style_ids)
    return {
        style_id: [
            gap
            for data in items
            for gap in sale_gaps(UpsertProductItemSchema.model_validate_json(data))
        ]
        for style_id, items in stored.items()
    }


async def styles_with_unsellable_variants(
    session: AsyncSession, style_ids: Sequence[int]
) -> set[int]:
    return await variant_rows.styles_with_unsellable_variants(session, style_ids)
