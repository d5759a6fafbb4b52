"""The status batch kind: ``PUT /api/v1/products/status`` → ``GET /api/v1/results/status``."""

from __future__ import annotations

from functools import partial

from sellers_center.engine.kind import BatchKind, Endpoint, results_endpoint
from sellers_center.lifecycle.schemas import (
    UpdateProductStatusBatchResultsResponseSchema,
    UpdateProductStatusRequestSchema,
)
from sellers_center.lifecycle.service import update_statuses

SUBMIT_LIMIT = 100


def build_status_kind(*, sandbox: bool) -> BatchKind:
    return BatchKind(
        name="status",
        request_model=UpdateProductStatusRequestSchema,
        results_model=UpdateProductStatusBatchResultsResponseSchema,
        process=partial(update_statuses, sandbox=sandbox),
        submit=Endpoint(
            method="PUT",
            path="/api/v1/products/status",
            summary="Update Product Status",
            operation_id="update_product_status",
            rate_limit=SUBMIT_LIMIT,
            tags=("Products",),
        ),
        results=results_endpoint(
            "status",
            "Get Product Status Update Batch Results",
            "scapi_app_endpoints_result_api_get_product_status_update_batch_results",
        ),
    )
