"""The products batch kind: ``POST /api/v1/products/`` → ``GET /api/v1/results/products``."""

from __future__ import annotations

from functools import partial

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchKind, Endpoint
from sellers_center.products.schemas import (
    UpsertProductBatchResultsResponseSchema,
    UpsertProductsRequestSchema,
)
from sellers_center.products.service import upsert_products

SUBMIT_LIMIT = 100
RESULTS_LIMIT = 200


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
        results=Endpoint(
            method="GET",
            path="/api/v1/results/products",
            summary="Get Product Batch Results",
            operation_id="scapi_app_endpoints_result_api_get_product_batch_results",
            rate_limit=RESULTS_LIMIT,
            tags=("Results",),
        ),
    )
