"""The batch kinds this version of the service serves.

Each domain contributes its kind here; the engine, the HTTP layer and the workers take the
registry from this one function, so a kind added here is submitted, processed and read back
everywhere at once.
"""

from __future__ import annotations

from sellers_center.catalog.service import CatalogCache
from sellers_center.engine.kind import KindRegistry
from sellers_center.inventory.kind import build_prices_kind, build_stocks_kind
from sellers_center.lifecycle.kind import build_status_kind
from sellers_center.orders.kind import (
    build_cancel_orders_kind,
    build_return_orders_kind,
    build_ship_orders_kind,
)
from sellers_center.products.kind import build_products_kind
from sellers_center.settings import Settings


def build_kinds(catalog: CatalogCache, settings: Settings) -> KindRegistry:
    return KindRegistry.of(
        [
            build_products_kind(catalog),
            build_status_kind(sandbox=settings.sandbox),
            build_stocks_kind(),
            build_prices_kind(catalog),
            build_ship_orders_kind(catalog),
            build_cancel_orders_kind(),
            build_return_orders_kind(),
        ]
    )
