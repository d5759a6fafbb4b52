"""Webhook shapes on the wire (docs/api.md#webhooks)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sellers_center.pagination import PaginationSchema
from sellers_center.webhooks.rules import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH


class WebhookTypeSchema(BaseModel):
    event: str
    description: str


class WebhookSchema(BaseModel):
    id: uuid.UUID
    events: list[str]
    url: str
    description: str | None
    enabled: bool
    created_at: datetime


class CreateWebhookSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[str] = Field(description="Event names from GET /api/v1/webhooks/types.")
    url: str = Field(max_length=MAX_URL_LENGTH, description="https URL that receives the events.")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)


class UpdateWebhookSchema(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    events: list[str] | None = None
    url: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    enabled: bool | None = None


class WebhookSecretSchema(BaseModel):
    id: uuid.UUID
    client_secret: str = Field(
        description="Signs every request (docs/api.md#verifying-a-webhook); shown only once."
    )


class DeliverySchema(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event: str
    status: str = Field(description="pending, delivered or failed.")
    attempts: int
    last_response_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="Set while the delivery is pending.")
    created_at: datetime


class DeliveriesPageSchema(BaseModel):
    items: list[DeliverySchema]
    pagination: PaginationSchema
