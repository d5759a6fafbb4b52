"""Product verbs: apply an upsert batch, list variants, delete a draft variant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.products import repository
from sellers_center.products.rules.item import BatchCatalog, item_errors
from sellers_center.products.rules.style import NEW_STYLE_STATUS, WorkingState
from sellers_center.products.schemas import ProductSchema, UpsertProductItemSchema

DELETABLE_STATUS = "draft"


async def upsert_products(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpsertProductItemSchema],
    catalog_cache: CatalogCache,
) -> list[ItemOutcome]:
    """Check every item, then write the valid ones: a fixed number of statements per batch."""
    catalog = await catalog_cache.get(session)
    brands = frozenset(
        brand for brand, _ in await accounts.seller_brands(session, context.seller_id)
    )
    batch_catalog = BatchCatalog.of(catalog, brands)
    state = await _load_state(session, context.seller_id, items)
    outcomes = []
    for item in items:
        errors = item_errors(item, batch_catalog) + state.errors(item)
        if not errors:
            state.apply(item)
        outcomes.append(ItemOutcome(tuple(errors)))
    await _write(session, context, state)
    return outcomes


async def _load_state(
    session: AsyncSession, seller_id: int, items: Sequence[UpsertProductItemSchema]
) -> WorkingState:
    style_keys = {item.style_key for item in items}
    styles = await repository.load_styles(session, seller_id, style_keys)
    variants = await repository.load_variants(
        session,
        seller_id,
        style_keys=style_keys,
        skus={item.sku for item in items},
        eans={item.ean for item in items if item.ean is not None},
    )
    return WorkingState.of(styles, variants)


def _row(item: UpsertProductItemSchema) -> repository.VariantRow:
    """The stored form of an applied item: as sent, with country codes in upper case."""
    data = item.model_dump(mode="json")
    data["country_of_origin"] = item.country_of_origin.upper()
    if item.countries is not None:
        data["countries"] = [code.upper() for code in item.countries]
    for price in data["prices"]:
        price["country_code"] = price["country_code"].upper()
    return repository.VariantRow(
        style_key=item.style_key,
        sku=item.sku,
        ean=item.ean,
        brand=item.brand,
        category=item.category,
        color=item.color,
        size=item.size,
        second_size=item.second_size,
        data=data,
    )


async def _write(session: AsyncSession, context: BatchContext, state: WorkingState) -> None:
    rows = [_row(item) for item in state.applied.values()]
    if not rows:
        return
    keys = list(dict.fromkeys(row.style_key for row in rows))
    existing = await repository.load_styles(session, context.seller_id, keys)
    style_ids = {style.style_key: style.id for style in existing}
    new_keys = [key for key in keys if key not in style_ids]
    created = await repository.insert_styles(
        session, context.seller_id, new_keys, NEW_STYLE_STATUS, context.now
    )
    await repository.touch_styles(session, style_ids.values(), context.now)
    style_ids.update(created)
    await repository.upsert_variants(session, context.seller_id, rows, style_ids, context.now)


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
            {**data, "status": state, "created_at": created, "updated_at": updated}
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
