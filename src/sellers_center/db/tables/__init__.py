"""Table definitions, one module per owning domain. Storage shape only: API schemas live in each
domain's ``schemas.py``. Every table is importable from here, so ``Base.metadata`` is complete
as soon as this package is imported (migrations, tests)."""

from sellers_center.db.tables.accounts import ApiKey, Seller, SellerBrand
from sellers_center.db.tables.base import NAMING_CONVENTION, Base
from sellers_center.db.tables.catalog import (
    Attribute,
    AttributeGroup,
    Carrier,
    CatalogState,
    Category,
    CategoryAttributeGroup,
    Country,
    Currency,
    Locale,
    RejectionReason,
)
from sellers_center.db.tables.engine import (
    CLAIMABLE_CONDITION,
    Batch,
    BatchPayload,
    BatchResult,
    IdempotencyKey,
)
from sellers_center.db.tables.orders import Order, OrderItem
from sellers_center.db.tables.products import (
    ProductStyle,
    ProductVariant,
    StyleStatusChange,
    VariantPrice,
)
from sellers_center.db.tables.webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "CLAIMABLE_CONDITION",
    "NAMING_CONVENTION",
    "ApiKey",
    "Attribute",
    "AttributeGroup",
    "Base",
    "Batch",
    "BatchPayload",
    "BatchResult",
    "Carrier",
    "CatalogState",
    "Category",
    "CategoryAttributeGroup",
    "Country",
    "Currency",
    "IdempotencyKey",
    "Locale",
    "Order",
    "OrderItem",
    "ProductStyle",
    "ProductVariant",
    "RejectionReason",
    "Seller",
    "SellerBrand",
    "StyleStatusChange",
    "VariantPrice",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
