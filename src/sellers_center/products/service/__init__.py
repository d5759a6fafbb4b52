"""Product verbs: apply an upsert batch (``upsert``), list and delete variants (``listing``),
and what other domains ask of styles (``styles``: the lifecycle) and of variants (``updates``:
stock and price batches, orders).

Publication is the lifecycle's: the upsert and the deletion take its rules as a
``PublicationPolicy`` and report what changed for the lifecycle to follow up on, so this
package never imports it. Other domains call these verbs, never the repository.
"""

from sellers_center.products.repository.listed import ListedVariant
from sellers_center.products.repository.styles import StoredStyle, StyleEntry, StyleSummary
from sellers_center.products.repository.updates import StockLevel, Warehouse
from sellers_center.products.service.listing import delete_product, list_products, variants_by_sku
from sellers_center.products.service.styles import (
    lock_styles_in_status,
    sale_gaps_of_styles,
    set_style_rejection,
    set_style_statuses,
    style_page,
    styles,
    styles_in_status,
    styles_with_unsellable_variants,
)
from sellers_center.products.service.updates import (
    PriceChange,
    PriceState,
    price_states,
    release_stock,
    reserve_stock,
    set_fbm_stock,
    set_prices,
    set_stock,
    stock_levels,
)
from sellers_center.products.service.upsert import (
    ChangedStyle,
    CheckedItem,
    UpsertOutcome,
    check_items,
    upsert_products,
)

__all__ = [
    "ChangedStyle",
    "CheckedItem",
    "ListedVariant",
    "PriceChange",
    "PriceState",
    "StockLevel",
    "StoredStyle",
    "StyleEntry",
    "StyleSummary",
    "UpsertOutcome",
    "Warehouse",
    "check_items",
    "delete_product",
    "list_products",
    "lock_styles_in_status",
    "price_states",
    "release_stock",
    "reserve_stock",
    "sale_gaps_of_styles",
    "set_fbm_stock",
    "set_prices",
    "set_stock",
    "set_style_rejection",
    "set_style_statuses",
    "stock_levels",
    "style_page",
    "styles",
    "styles_in_status",
    "styles_with_unsellable_variants",
    "upsert_products",
    "variants_by_sku",
]
