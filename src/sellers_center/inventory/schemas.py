"""Stock and price batch models, in the contract's schema style (SPEC §2, §5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from sellers_center.engine.status import RequestStatus
from sellers_center.products.schemas import (
    COUNTRY_CODE,
    COUNTRY_PATTERN,
    ContractModel,
    ErrorMessage,
)

MAX_ITEMS = 1000
MAX_QUANTITY = 1_000_000

# A decimal amount sent as a JSON number or a numeric string; parsed without binary floats.
# Bounds are business rules here (item errors), so one bad price never sinks the batch.
FlexibleAmount = Annotated[
    Decimal,
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"pattern": r"^-?\d+(\.\d+)?$", "type": "string"}],
            "description": "Decimal amount, as a JSON number or a numeric string",
        }
    ),
]
ValidAt = Annotated[
    datetime | None,
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
    items: list[UpdatePriceItemSchema] = Field(min_length=1, max_length=MAX_ITEMS)
