"""The stock and price batch kinds (docs/api.md#stock-batches, #price-batches)."""

from __future__ import annotations

from functools import partial

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchKind, Endpoint, results_endpoint
from sellers_center.inventory.schemas import (
    UpdatePriceBatchResultsResponseSchema,
    UpdatePricesRequestSchema,
    UpdateStockBatchResultsResponseSchema,
    UpdateStocksRequestSchema,
)
from sellers_center.inventory.service import update_prices, update_stocks

# Default requests per minute per API key (docs/api.md#limits).
STOCKS_LIMIT = 1000
PRICES_LIMIT = 200


def build_stocks_kind() -> BatchKind:
    return BatchKind(
        name="stocks",
        request_model=UpdateStocksRequestSchema,
        results_model=UpdateStockBatchResultsResponseSchema,
        process=update_stocks,
        submit=Endpoint(
            method="PUT",
            path="/api/v1/products/stocks",
            summary="Update Stocks",
            operation_id="update_stocks",
            rate_limit=STOCKS_LIMIT,
            tags=("Stock and prices",),
        ),
        results=results_endpoint("stocks", "Get Stock Batch Results"),
    )


def build_prices_kind(catalog: CatalogCache) -> BatchKind:
    return BatchKind(
        name="prices",
        request_model=UpdatePricesRequestSchema,
        results_model=UpdatePriceBatchResultsResponseSchema,
        process=partial(update_prices, catalog_cache=catalog),
        submit=Endpoint(
            method="PUT",
            path="/api/v1/products/prices",
            summary="Update Prices",
            operation_id="update_prices",
            rate_limit=PRICES_LIMIT,
            tags=("Stock and prices",),
        ),
        results=results_endpoint("prices", "Get Price Batch Results"),
        exact_numbers=True,
    )
