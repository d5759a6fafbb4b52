"""Stock and price batch models, in the contract's schema style (docs/api.md#stock-batches,
#price-batches)."""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from sellers_center.engine.status import RequestStatus
from sellers_center.products.schemas import (
    COUNTRY_CODE,
    COUNTRY_PATTERN,
    MAX_QUANTITY,
    NUMERIC_TEXT_PATTERN,
    ContractModel,
    ErrorMessage,
    exact_numeric_text,
)

MAX_ITEMS = 1000
# An ISO 8601 date-time starts with its date; pydantic alone also takes Unix timestamps, as
# numbers and as strings ("1700000000"), which no client means here.
ISO_DATE_TIME_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def json_representable(value: Decimal) -> Decimal:
    """An amount beyond a binary float's range (``1e999``) is written back as a JSON number
    no client can read; bounds within it are business rules (item errors)."""
    if not math.isfinite(float(value)):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return value


def iso_date_time(value: Any) -> Any:
    if value is not None and not (
        isinstance(value, str) and ISO_DATE_TIME_START.match(value) is not None
    ):
        raise PydanticCustomError(
            "datetime_type",
            "Input should be an ISO 8601 date-time string, such as 2025-03-01T12:00:00Z",
        )
    return value


# A decimal amount sent as a JSON number or a numeric string; parsed without binary floats.
# Bounds are business rules here (item errors), so one bad price never sinks the batch.
FlexibleAmount = Annotated[
    Decimal,
    BeforeValidator(exact_numeric_text),
    AfterValidator(json_representable),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"pattern": NUMERIC_TEXT_PATTERN, "type": "string"}],
            "description": "Decimal amount, as a JSON number or a numeric string",
        }
    ),
]
ValidAt = Annotated[
    datetime | None,
    BeforeValidator(iso_date_time),
    Field(description="When the value was true at the source; an older update is not applied."),
]


class UpdateStockItemSchema(ContractModel):
    sku: str = Field(max_length=120)
    quantity: int = Field(ge=0, le=MAX_QUANTITY, description="Units available.")
    valid_at: ValidAt = None


class UpdateStockResultItemSchema(ContractModel):
    requestItem: UpdateStockItemSchema  # noqa: N815 - the contract's wire name
    success: bool
    errors: list[ErrorMessage]


class UpdateStockBatchResultsResponseSchema(ContractModel):
    batchRequestId: uuid.UUID = Field(description="Unique identifier (UUID)")  # noqa: N815
    status: RequestStatus = Field(description="Status of the batch processing")
    items: list[UpdateStockResultItemSchema]


class UpdateStocksRequestSchema(BaseModel):
    # The example of the OpenAPI document (http/openapi.py); a test submits it.
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [
            {"sku": "AURORA-BLK-S", "quantity": 12, "valid_at": "2025-03-01T09:30:00Z"},
            {"sku": "AURORA-BLK-M", "quantity": 0, "valid_at": "2025-03-01T09:30:00Z"},
        ]
    }

    items: list[UpdateStockItemSchema] = Field(min_length=1, max_length=MAX_ITEMS)


class PriceUpdateSchema(ContractModel):
    country_code: str = Field(pattern=COUNTRY_PATTERN, description=COUNTRY_CODE)
    retail_price: FlexibleAmount
    sale_price: FlexibleAmount | None = None


class UpdatePriceItemSchema(ContractModel):
    sku: str = Field(max_length=120)
    price: PriceUpdateSchema
    valid_at: ValidAt = None


class UpdatePriceResultItemSchema(ContractModel):
    requestItem: UpdatePriceItemSchema  # noqa: N815 - the contract's wire name
    success: bool
    errors: list[ErrorMessage]


class UpdatePriceBatchResultsResponseSchema(ContractModel):
    batchRequestId: uuid.UUID = Field(description="Unique identifier (UUID)")  # noqa: N815
    status: RequestStatus = Field(description="Status of the batch processing")
    items: list[UpdatePriceResultItemSchema]


class UpdatePricesRequestSchema(BaseModel):
    # The example of the OpenAPI document (http/openapi.py); a test submits it.
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [
            {
                "sku": "AURORA-BLK-S",
                "price": {"country_code": "DE", "retail_price": 139.95, "sale_price": 119.95},
                "valid_at": "2025-03-01T09:30:00Z",
            },
            {"sku": "AURORA-BLK-M", "price": {"country_code": "AT", "retail_price": "144.95"}},
        ]
    }

    items: list[UpdatePriceItemSchema] = Field(min_length=1, max_length=MAX_ITEMS)
