"""The products batch kind: ``POST /api/v1/products/`` → ``GET /api/v1/results/products``."""

from __future__ import annotations

from functools import partial

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchKind, Endpoint, results_endpoint
from sellers_center.products.schemas import (
    UpsertProductBatchResultsResponseSchema,
    UpsertProductsRequestSchema,
)
from sellers_center.products.service import upsert_products

SUBMIT_LIMIT = 100


def build_products_kind(catalog: CatalogCache) -> BatchKind:
    return BatchKind(
        name="products",
        request_model=UpsertProductsRequestSchema,
        results_model=UpsertProductBatchResultsResponseSchema,
        process=partial(upsert_products, catalog_cache=catalog),
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
