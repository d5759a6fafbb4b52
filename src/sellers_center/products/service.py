"""Product verbs: apply an upsert batch, list variants, delete a draft variant."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_core import from_json, to_json
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.lifecycle import repository as lifecycle_repository
from sellers_center.lifecycle.repository import StatusChange
from sellers_center.lifecycle.service import SELLER, SYSTEM
from sellers_center.products import repository
from sellers_center.products.rules.item import BatchCatalog, item_errors
from sellers_center.products.rules.style import (
    NEW_STYLE_STATUS,
    WorkingState,
    evaluate,
    variant_of,
)
from sellers_center.products.schemas import ProductSchema, ProductStatus, UpsertProductItemSchema

DELETABLE_STATUS = "draft"


async def upsert_products(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpsertProductItemSchema],
    *,
    catalog_cache: CatalogCache,
) -> list[ItemOutcome]:
    """Check every item, then write the valid ones: a fixed number of statements per batch."""
    catalog = await catalog_cache.get(session)
    brands = frozenset(
        brand for brand, _ in await accounts.seller_brands(session, context.seller_id)
    )
    batch_catalog = BatchCatalog.of(catalog, brands)
    own_errors = [item_errors(item, batch_catalog) for item in items]
    style_keys = {item.style_key for item in items}
    styles = await repository.load_styles(session, context.seller_id, style_keys)
    variants = await repository.load_variants(
        session,
        context.seller_id,
        style_keys=style_keys,
        skus={item.sku for item in items},
        eans={item.ean for item in items if item.ean is not None},
    )
    state, errors = evaluate(items, own_errors, styles, variants)
    await _write(session, context, state)
    await lifecycle_repository.record_changes(session, _status_follow_ups(state), context.now)
    return [ItemOutcome(tuple(item_errors)) for item_errors in errors]


def _stored_form(item: UpsertProductItemSchema) -> str:
    """The item as JSON text with prices as exact decimal strings (a JSON number would pass
    through a binary float on the way back in)."""
    return to_json(item.model_dump()).decode()


def _row(item: UpsertProductItemSchema) -> repository.VariantRow:
    return repository.VariantRow(variant_of(item), _stored_form(item))


async def _write(session: AsyncSession, context: BatchContext, state: WorkingState) -> None:
    rows = [_row(item) for item in state.applied.values()]
    if not rows:
        return
    keys = list(dict.fromkeys(row.variant.style_key for row in rows))
    style_ids = {key: state.style_ids[key] for key in keys if key in state.style_ids}
    new_keys = [key for key in keys if key not in style_ids]
    created = await repository.insert_styles(
        session, context.seller_id, new_keys, NEW_STYLE_STATUS, context.now
    )
    births = [
        StatusChange(style_id, None, NEW_STYLE_STATUS, SELLER, "created", context.batch_id)
        for style_id in created.values()
    ]
    await lifecycle_repository.record_changes(session, births, context.now)
    await repository.touch_styles(session, style_ids.values(), context.now)
    style_ids.update(created)
    # Codes change hands within a batch (A gives up an EAN that B takes): clear the old codes
    # first, so the upsert meets the unique constraint whatever its row order.
    await repository.clear_eans(session, context.seller_id, state.released_eans())
    await repository.upsert_variants(session, context.seller_id, rows, style_ids, context.now)


def _status_follow_ups(state: WorkingState) -> list[StatusChange]:
    """An active style the batch left unsellable becomes ``problem``; a ``problem`` style the
    batch made whole again becomes ``active`` (SPEC §4)."""
    changes = []
    for key in dict.fromkeys(item.style_key for item in state.applied.values()):
        status, style_id = state.style_status[key], state.style_ids.get(key)
        if style_id is None or status not in (ProductStatus.ACTIVE, ProductStatus.PROBLEM):
            continue
        unsellable = sorted(s for s in state.members[key] if not state.variants[s].is_sellable)
        if status == ProductStatus.ACTIVE and unsellable:
            detail = "variants not sellable: " + ", ".join(unsellable)
            changes.append(StatusChange(style_id, status, ProductStatus.PROBLEM, SYSTEM, detail))
        elif status == ProductStatus.PROBLEM and not unsellable:
            changes.append(
                StatusChange(style_id, status, ProductStatus.ACTIVE, SYSTEM, "variants fixed")
            )
    return changes


async def list_products(
    session: AsyncSession,
    seller_id: int,
    *,
    style_key: str | None,
    sku: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[ProductSchema], int]:
    rows, total = await repository.list_variants(
        session,
        seller_id,
        style_key=style_key,
        sku=sku,
        status=status,
        offset=offset,
        limit=limit,
    )
    products = [
        ProductSchema.model_validate(
            {**from_json(data), "status": state, "created_at": created, "updated_at": updated}
        )
        for data, state, created, updated in rows
    ]
    return products, total


async def delete_product(session: AsyncSession, seller_id: int, sku: str) -> None:
    """Remove a variant of a draft style; the style goes with its last variant."""
    found = await repository.find_variant_for_delete(session, seller_id, sku)
    if found is None:
        raise NotFoundError(f"Product not found: {sku}")
    variant_id, style_id, style_key, status = found
    if status != DELETABLE_STATUS:
        raise ConflictError(
            f"Product {sku} cannot be deleted: its style {style_key} is {status}; only draft "
            "products can be deleted (set the style to inactive to take it offline)"
        )
    await repository.delete_variant(session, variant_id, style_id)
