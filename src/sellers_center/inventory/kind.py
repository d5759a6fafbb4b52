"""The stock and price batch kinds (SPEC §2, §5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import BatchContext, BatchKind, Endpoint, ItemOutcome
from sellers_center.inventory.schemas import (
    UpdatePriceBatchResultsResponseSchema,
    UpdatePricesRequestSchema,
    UpdateStockBatchResultsResponseSchema,
    UpdateStocksRequestSchema,
)
from sellers_center.inventory.service import update_prices, update_stocks

# Default requests per minute per API key (SPEC §6).
STOCKS_LIMIT = 1000
PRICES_LIMIT = 200
RESULTS_LIMIT = 200


def decode_exact(body: bytes) -> Any:
    """JSON with every number that has a fraction kept as an exact Decimal."""
    return json.loads(body, parse_float=Decimal)


def _results(kind: str, summary: str) -> Endpoint:
    return Endpoint(
        method="GET",
        path=f"/api/v1/results/{kind}",
        summary=summary,
        operation_id=f"get_{kind}_batch_results",
        rate_limit=RESULTS_LIMIT,
        tags=("Results",),
    )


def build_stocks_kind() -> BatchKind:
    async def process(
        session: AsyncSession, context: BatchContext, items: Sequence[Any]
    ) -> Sequence[ItemOutcome]:
        return await update_stocks(session, context, items)

    return BatchKind(
        name="stocks",
        request_model=UpdateStocksRequestSchema,
        results_model=UpdateStockBatchResultsResponseSchema,
        process=process,
        submit=Endpoint(
            method="PUT",
            path="/api/v1/products/stocks",
            summary="Update Stocks",
            operation_id="update_stocks",
            rate_limit=STOCKS_LIMIT,
            tags=("Stock and prices",),
        ),
        results=_results("stocks", "Get Stock Batch Results"),
    )


def build_prices_kind(catalog: CatalogCache) -> BatchKind:
    async def process(
        session: AsyncSession, context: BatchContext, items: Sequence[Any]
    ) -> Sequence[ItemOutcome]:
        return await update_prices(session, context, items, catalog)

    return BatchKind(
        name="prices",
        request_model=UpdatePricesRequestSchema,
        results_model=UpdatePriceBatchResultsResponseSchema,
        process=process,
        submit=Endpoint(
            method="PUT",
            path="/api/v1/products/prices",
            summary="Update Prices",
            operation_id="update_prices",
            rate_limit=PRICES_LIMIT,
            tags=("Stock and prices",),
        ),
        results=_results("prices", "Get Price Batch Results"),
        decode=decode_exact,
    )
