"""The ship, cancel and return batch kinds (docs/api.md#ship-batches, #cancel-batches,
#return-batches)."""

from __future__ import annotations

from functools import partial

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchKind, Endpoint, results_endpoint
from sellers_center.orders import service
from sellers_center.orders.schemas import (
    CancelOrdersBatchResultsResponseSchema,
    CancelOrdersRequestSchema,
    ReturnOrdersBatchResultsResponseSchema,
    ReturnOrdersRequestSchema,
    ShipOrdersBatchResultsResponseSchema,
    ShipOrdersRequestSchema,
)

# Default requests per minute per API key, each (docs/api.md#limits).
FULFILMENT_LIMIT = 50
TAGS = ("Orders",)


def build_ship_orders_kind(catalog: CatalogCache) -> BatchKind:
    return BatchKind(
        name="ship-orders",
        request_model=ShipOrdersRequestSchema,
        results_model=ShipOrdersBatchResultsResponseSchema,
        process=partial(service.ship, catalog_cache=catalog),
        submit=Endpoint(
            method="POST",
            path="/api/v1/orders/ship",
            summary="Ship order items",
            operation_id="ship_order_items",
            rate_limit=FULFILMENT_LIMIT,
            tags=TAGS,
        ),
        results=results_endpoint(
            "ship-orders", "Get Ship Batch Results", "get_ship_orders_batch_results"
        ),
    )


def build_cancel_orders_kind() -> BatchKind:
    return BatchKind(
        name="cancel-orders",
        request_model=CancelOrdersRequestSchema,
        results_model=CancelOrdersBatchResultsResponseSchema,
        process=service.cancel,
        submit=Endpoint(
            method="POST",
            path="/api/v1/orders/cancel",
            summary="Cancel order items",
            operation_id="cancel_order_items",
            rate_limit=FULFILMENT_LIMIT,
            tags=TAGS,
        ),
        results=results_endpoint(
            "cancel-orders", "Get Cancel Batch Results", "get_cancel_orders_batch_results"
        ),
    )


def build_return_orders_kind() -> BatchKind:
    return BatchKind(
        name="return-orders",
        request_model=ReturnOrdersRequestSchema,
        results_model=ReturnOrdersBatchResultsResponseSchema,
        process=service.return_items,
        submit=Endpoint(
            method="POST",
            path="/api/v1/orders/return",
            summary="Return order items",
            operation_id="return_order_items",
            rate_limit=FULFILMENT_LIMIT,
            tags=TAGS,
        ),
        results=results_endpoint(
            "return-orders", "Get Return Batch Results", "get_return_orders_batch_results"
        ),
    )
