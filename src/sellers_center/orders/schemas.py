"""Wire shapes of the order area (docs/api.md#orders): the order as listed, the ship, cancel and
return batches with their results, and the sandbox's placement request."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainSerializer

from sellers_center.engine.payload import first_unstorable, unstorable
from sellers_center.engine.status import RequestStatus
from sellers_center.orders.order import (
    MAX_ID,
    Address,
    FulfillmentType,
    Order,
    OrderItemStatus,
    OrderStatus,
)
from sellers_center.orders.rules import MAX_ORDER_UNITS
from sellers_center.pagination import PaginationSchema
from sellers_center.products.schemas import CountryCode, ErrorMessage

# Items per ship, cancel or return batch, and order items per ship or return item.
MAX_BATCH_ITEMS = 100
MAX_ORDER_ITEMS_PER_ITEM = 100

OrderItemId = Annotated[int, Field(ge=1, le=MAX_ID, description="An order item's id.")]
TrackingKey = Annotated[str, Field(max_length=100)]
# The VAT rate in percent, an exact decimal sent as a JSON number (19, 25.5).
VatRate = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

# Python's str() of an aware datetime whose "+" was sent unescaped in a query string arrives
# with a space in its place ("2024-05-01 10:00:00+00:00" -> "2024-05-01 10:00:00 00:00").
_PLUS_READ_AS_SPACE = re.compile(r"^(.*\d) (\d{2}:?\d{2})$")


def _restore_plus(value: Any) -> Any:
    if isinstance(value, str):
        return _PLUS_READ_AS_SPACE.sub(r"\1+\2", value.strip())
    return value


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _storable(value: str) -> str:
    """Text both databases can store (batch bodies get the same check from the engine)."""
    character = first_unstorable(value)
    if character is not None:
        raise unstorable(character)
    return value


Storable = AfterValidator(_storable)

Name = Annotated[str, Storable, Field(min_length=1, max_length=100)]

QueryTime = Annotated[
    datetime,
    BeforeValidator(_restore_plus),
    AfterValidator(_as_utc),
    Field(
        description="ISO 8601 (2024-05-01T10:00:00Z) or Python's str() of a datetime "
        "(2024-05-01 10:00:00.123456+00:00); without a zone, UTC."
    ),
]


class OrderItemSchema(BaseModel):
    id: int
    sku: str
    status: OrderItemStatus
    price_with_tax: int = Field(description="Gross price, in the currency's smallest unit.")
    price_without_tax: int = Field(description="Net price, in the currency's smallest unit.")
    vat: VatRate = Field(description="VAT rate in percent.")
    carrier_key: str | None
    shipment_tracking_key: str | None
    return_tracking_key: str | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None


class OrderSchema(BaseModel):
    order_number: str
    status: OrderStatus = Field(description="All items in one state: that state, else mixed.")
    created_at: datetime
    updated_at: datetime
    shop: str = Field(description="The country of the shop the order was placed in.")
    customer_key: str
    customer_email: str
    customer_phone: str
    shipping_recipient_first_name: str
    shipping_recipient_last_name: str
    shipping_street: str
    shipping_additional: str | None
    shipping_zip_code: str
    shipping_city: str
    shipping_country_code: str
    billing_recipient_first_name: str
    billing_recipient_last_name: str
    billing_street: str
    billing_additional: str | None
    billing_zip_code: str
    billing_city: str
    billing_country_code: str
    carrier_key: str | None = Field(description="The carrier of the latest shipment.")
    cost_with_tax: int = Field(description="Gross total of the items not cancelled.")
    cost_without_tax: int = Field(description="Net total of the items not cancelled.")
    currency: str
    fulfillment_type: FulfillmentType
    delivery_document_url: str = Field(description="Relative URL of the delivery note (PDF).")
    order_items: list[OrderItemSchema]


class OrdersPageSchema(BaseModel):
    items: list[OrderSchema]
    pagination: PaginationSchema


# --- batches ------------------------------------------------------------------------------------


class ShipOrderItemSchema(BaseModel):
    order_items: list[OrderItemId] = Field(min_length=1, max_length=MAX_ORDER_ITEMS_PER_ITEM)
    carrier_key: str = Field(max_length=64, description="A carrier of the shipping country.")
    shipment_tracking_key: TrackingKey
    return_tracking_key: TrackingKey | None = None


class ShipOrdersRequestSchema(BaseModel):
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [
            {
                "order_items": [1],
                "carrier_key": "DHL_STD_NATIONAL",
                "shipment_tracking_key": "00340434161094042557",
                "return_tracking_key": "00340434161094042564",
            }
        ]
    }

    items: list[ShipOrderItemSchema] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class CancelOrderItemSchema(BaseModel):
    id: OrderItemId


class CancelOrdersRequestSchema(BaseModel):
    openapi_example: ClassVar[dict[str, Any]] = {"items": [{"id": 1}]}

    items: list[CancelOrderItemSchema] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class ReturnOrderItemSchema(BaseModel):
    order_items: list[OrderItemId] = Field(min_length=1, max_length=MAX_ORDER_ITEMS_PER_ITEM)
    return_tracking_key: TrackingKey


class ReturnOrdersRequestSchema(BaseModel):
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [{"order_items": [1], "return_tracking_key": "00340434161094042564"}]
    }

    items: list[ReturnOrderItemSchema] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


BatchStatus = Annotated[RequestStatus, Field(description="Status of the batch processing")] | str
BatchId = Annotated[uuid.UUID, Field(description="Unique identifier (UUID)")]


class ShipOrdersResultItemSchema(BaseModel):
    requestItem: ShipOrderItemSchema  # noqa: N815 - the results' wire name, as for every kind
    success: bool
    errors: list[ErrorMessage]


class ShipOrdersBatchResultsResponseSchema(BaseModel):
    batchRequestId: BatchId  # noqa: N815
    status: BatchStatus
    items: list[ShipOrdersResultItemSchema]


class CancelOrdersResultItemSchema(BaseModel):
    requestItem: CancelOrderItemSchema  # noqa: N815
    success: bool
    errors: list[ErrorMessage]


class CancelOrdersBatchResultsResponseSchema(BaseModel):
    batchRequestId: BatchId  # noqa: N815
    status: BatchStatus
    items: list[CancelOrdersResultItemSchema]


class ReturnOrdersResultItemSchema(BaseModel):
    requestItem: ReturnOrderItemSchema  # noqa: N815
    success: bool
    errors: list[ErrorMessage]


class ReturnOrdersBatchResultsResponseSchema(BaseModel):
    batchRequestId: BatchId  # noqa: N815
    status: BatchStatus
    items: list[ReturnOrdersResultItemSchema]


# --- the sandbox --------------------------------------------------------------------------------


class SandboxOrderLineSchema(BaseModel):
    sku: Annotated[str, Storable] = Field(max_length=120)
    quantity: int = Field(default=1, ge=1, le=MAX_ORDER_UNITS)


class SandboxOrderRequestSchema(BaseModel):
    """An order as the shop would place it; customer fields left out are made up for the
    country."""

    items: list[SandboxOrderLineSchema] = Field(min_length=1, max_length=MAX_ORDER_UNITS)
    country_code: CountryCode = "DE"
    fulfillment_type: FulfillmentType = FulfillmentType.DROPSHIPPING
    customer_email: Annotated[str, Storable] | None = Field(default=None, max_length=254)
    customer_phone: Annotated[str, Storable] | None = Field(default=None, max_length=40)
    recipient_first_name: Name | None = None
    recipient_last_name: Name | None = None


def order_schema(order: Order) -> OrderSchema:
    """An order as the API shows it."""
    customer = order.customer
    addresses = {
        **_address_fields("shipping", customer.shipping),
        **_address_fields("billing", customer.billing),
    }
    return OrderSchema(
        order_number=order.order_number,
        status=order.status,
        created_at=order.created_at,
        updated_at=order.updated_at,
        shop=order.shop_country,
        customer_key=customer.key,
        customer_email=customer.email,
        customer_phone=customer.phone,
        **addresses,
        carrier_key=order.carrier_key,
        cost_with_tax=order.cost_with_tax,
        cost_without_tax=order.cost_without_tax,
        currency=order.currency,
        fulfillment_type=order.fulfillment_type,
        delivery_document_url=f"/api/v1/orders/{quote(order.order_number)}/delivery_document",
        order_items=[
            OrderItemSchema(
                id=line.id,
                sku=line.sku,
                status=line.status,
                price_with_tax=line.price_with_tax,
                price_without_tax=line.price_without_tax,
                vat=line.vat,
                carrier_key=line.carrier_key,
                shipment_tracking_key=line.shipment_tracking_key,
                return_tracking_key=line.return_tracking_key,
                shipped_at=line.shipped_at,
                cancelled_at=line.cancelled_at,
                returned_at=line.returned_at,
            )
            for line in order.items
        ],
    )


def _address_fields(prefix: str, address: Address) -> dict[str, str | None]:
    return {
        f"{prefix}_recipient_first_name": address.first_name,
        f"{prefix}_recipient_last_name": address.last_name,
        f"{prefix}_street": address.street,
        f"{prefix}_additional": address.additional,
        f"{prefix}_zip_code": address.zip_code,
        f"{prefix}_city": address.city,
        f"{prefix}_country_code": address.country_code,
    }
