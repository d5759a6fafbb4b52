"""Python client of the Sellers Center API.

Everything public is importable from here; the modules with a leading underscore are private.

>>> from sellers_center_client import Client
>>> with Client("http://127.0.0.1:8000", api_key) as client:
...     ref = client.products.upsert(items)
...     result = client.batches.wait(ref)
...     for failure in result.failed:
...         print(failure.request_item.sku, failure.errors)
"""

from sellers_center_client._async_client import AsyncClient
from sellers_center_client._batch import (
    BatchesPage,
    BatchRef,
    BatchResult,
    BatchStatus,
    BatchSummary,
    CursorPagination,
    Kind,
    ResultItem,
)
from sellers_center_client._catalog import (
    Attribute,
    AttributeGroup,
    Brand,
    Carrier,
    CarriersPage,
    CategoriesPage,
    Category,
    CompositionType,
    Countries,
    Country,
    Currency,
    Locale,
)
from sellers_center_client._client import Client
from sellers_center_client._errors import (
    ApiError,
    AuthenticationError,
    BatchWaitTimeout,
    Conflict,
    InvalidRequest,
    NotFound,
    RateLimited,
    SellersCenterError,
    ServerError,
    TransportError,
    UnexpectedResponse,
    ValidationFailed,
)
from sellers_center_client._inventory import (
    PriceItem,
    PriceUpdate,
    PublicationStatus,
    StatusItem,
    StockItem,
)
from sellers_center_client._kind import chunks
from sellers_center_client._orders import (
    CancelItem,
    FulfillmentType,
    Order,
    OrderItem,
    OrderItemStatus,
    OrdersPage,
    OrderStatus,
    ReturnItem,
    ShipItem,
)
from sellers_center_client._page import Pagination
from sellers_center_client._products import (
    NonTextileComposition,
    NonTextileMaterial,
    Price,
    Product,
    ProductItem,
    ProductsPage,
    ProductStatus,
    RejectedProduct,
    RejectedProductsPage,
    RejectionReason,
    TextileComposition,
    TextileMaterial,
)
from sellers_center_client._retry import RetryPolicy
from sellers_center_client._transport import Timeout
from sellers_center_client._version import __version__
from sellers_center_client._webhooks import (
    DeliveriesPage,
    Delivery,
    DeliveryStatus,
    Webhook,
    WebhookSecret,
    WebhookType,
)
from sellers_center_client.webhooks import InvalidWebhook, WebhookEvent

__all__ = [
    "ApiError",
    "AsyncClient",
    "Attribute",
    "AttributeGroup",
    "AuthenticationError",
    "BatchRef",
    "BatchResult",
    "BatchStatus",
    "BatchSummary",
    "BatchWaitTimeout",
    "BatchesPage",
    "Brand",
    "CancelItem",
    "Carrier",
    "CarriersPage",
    "CategoriesPage",
    "Category",
    "Client",
    "CompositionType",
    "Conflict",
    "Countries",
    "Country",
    "Currency",
    "CursorPagination",
    "DeliveriesPage",
    "Delivery",
    "DeliveryStatus",
    "FulfillmentType",
    "InvalidRequest",
    "InvalidWebhook",
    "Kind",
    "Locale",
    "NonTextileComposition",
    "NonTextileMaterial",
    "NotFound",
    "Order",
    "OrderItem",
    "OrderItemStatus",
    "OrderStatus",
    "OrdersPage",
    "Pagination",
    "Price",
    "PriceItem",
    "PriceUpdate",
    "Product",
    "ProductItem",
    "ProductStatus",
    "ProductsPage",
    "PublicationStatus",
    "RateLimited",
    "RejectedProduct",
    "RejectedProductsPage",
    "RejectionReason",
    "ResultItem",
    "RetryPolicy",
    "ReturnItem",
    "SellersCenterError",
    "ServerError",
    "ShipItem",
    "StatusItem",
    "StockItem",
    "TextileComposition",
    "TextileMaterial",
    "Timeout",
    "TransportError",
    "UnexpectedResponse",
    "ValidationFailed",
    "Webhook",
    "WebhookEvent",
    "WebhookSecret",
    "WebhookType",
    "__version__",
    "chunks",
]
