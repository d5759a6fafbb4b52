"""The products batch kind: ``POST /api/v1/products/`` → ``GET /api/v1/results/products``.

A composition point: the upsert (products) follows the lifecycle's publication rules, then the
lifecycle follows up on what it changed (new styles' history, active ⇄ problem) in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import (
    BatchContext,
    BatchKind,
    Endpoint,
    ItemOutcome,
    results_endpoint,
)
from sellers_center.lifecycle import service as lifecycle
from sellers_center.lifecycle.rules import PUBLICATION
from sellers_center.products import service as products
from sellers_center.products.schemas import (
    UpsertProductBatchResultsResponseSchema,
    UpsertProductItemSchema,
    UpsertProductsRequestSchema,
)

SUBMIT_LIMIT = 100


def build_products_kind(catalog: CatalogCache) -> BatchKind:
    async def prepare(
        session: AsyncSession, context: BatchContext, items: Sequence[UpsertProductItemSchema]
    ) -> Sequence[products.CheckedItem]:
        return await products.check_items(session, context, items, catalog_cache=catalog)

    async def process(
        session: AsyncSession,
        context: BatchContext,
        items: Sequence[UpsertProductItemSchema | products.CheckedItem],
    ) -> Sequence[ItemOutcome]:
        upserted = await products.upsert_products(
            session, context, items, catalog_cache=catalog, policy=PUBLICATION
        )
        await lifecycle.after_upsert(session, context, upserted.created, upserted.changed)
        return upserted.outcomes

    return BatchKind(
        name="products",
        request_model=UpsertProductsRequestSchema,
        results_model=UpsertProductBatchResultsResponseSchema,
        process=process,
        prepare=prepare,
        submit=Endpoint(
            method="POST",
            path="/api/v1/products/",
            summary="Upsert Products",
            operation_id="upsert_products",
            rate_limit=SUBMIT_LIMIT,
            tags=("Products",),
        ),
        results=results_endpoint(
            "products",
            "Get Product Batch Results",
            "scapi_app_endpoints_result_api_get_product_batch_results",
        ),
    )
