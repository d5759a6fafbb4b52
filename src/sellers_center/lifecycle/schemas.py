"""Status batch models of the contract (``contract/results-status.openapi.json``), verbatim,
the statuses of a style, and the listings that show them: variants with their style's status
(``GET /api/v1/products/``) and rejected styles.

Contract models carry no docstrings (they would become descriptions); see products/schemas.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from sellers_center.engine.status import RequestStatus
from sellers_center.pagination import PaginationSchema
from sellers_center.products.schemas import (
    ContractModel,
    ErrorMessage,
    UpsertProductItemSchema,
    drop_defaults,
)

STATUS_DESCRIPTION = (
    "Status you want to set for the given product.\n"
    "`published` moves the product toward approval and eventually marks it active,\n"
    "`inactive` keeps it hidden after it was activated,\n"
    "`draft` keeps it in preparation and out of the catalog until manual publication begins.\n"
    "Reverting to `draft` is only supported before the product reaches approval, after which "
    "one should use `inactive`."
)
MAX_ITEMS = 1000


class ProductStatus(StrEnum):
    """The read-side states of a style (docs/api.md#publication-status-batches)."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"
    PENDING_ACTIVE = "pending_active"
    ACTIVE = "active"
    INACTIVE = "inactive"
    PROBLEM = "problem"


def _untitled_status(schema: dict[str, Any]) -> None:
    """The contract's ``status`` property has no title (pydantic adds one after field hooks)."""
    drop_defaults(schema)
    schema["properties"]["status"].pop("title", None)


class UpdateProductStatusItemSchema(ContractModel):
    model_config = ConfigDict(json_schema_extra=_untitled_status)

    style_key: str = Field(max_length=120, description="Style key for the group of products")
    status: str = Field(description=STATUS_DESCRIPTION)


class UpdateProductStatusResultItemSchema(ContractModel):
    requestItem: UpdateProductStatusItemSchema  # noqa: N815 - the contract's wire name
    success: bool
    errors: list[ErrorMessage]


class UpdateProductStatusBatchResultsResponseSchema(ContractModel):
    batchRequestId: uuid.UUID = Field(description="Unique identifier (UUID)")  # noqa: N815
    status: Annotated[RequestStatus, Field(description="Status of the batch processing")] | str
    items: list[UpdateProductStatusResultItemSchema]


class UpdateProductStatusRequestSchema(BaseModel):
    # The example of the OpenAPI document (http/openapi.py); a test submits it.
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [{"style_key": "AURORA", "status": "published"}]
    }

    items: list[UpdateProductStatusItemSchema] = Field(min_length=1, max_length=MAX_ITEMS)


class ProductSchema(UpsertProductItemSchema):
    """A stored variant as last upserted, with its style's publication status."""

    status: ProductStatus = Field(description="Publication status of the variant's style.")
    quantity_fbm: int | None = Field(
        description="Units held in the marketplace's warehouse for orders fulfilled by the "
        "marketplace; null when the seller has none there."
    )
    colorway_key: str = Field(
        description="The same for every variant of the style in this colour: the style key and "
        "the colour id joined by a hyphen."
    )
    created_at: datetime
    updated_at: datetime


class ProductsPageSchema(BaseModel):
    items: list[ProductSchema]
    pagination: PaginationSchema


class RejectionReasonSchema(BaseModel):
    key: str
    type: str
    name: str
    description: str


class RejectedProductSchema(BaseModel):
    style_key: str
    skus: list[str] = Field(description="The style's variants.")
    rejection_reasons: list[RejectionReasonSchema]
    rejection_message: str | None
    rejected_at: datetime | None


class RejectedProductsPageSchema(BaseModel):
    items: list[RejectedProductSchema]
    pagination: PaginationSchema
