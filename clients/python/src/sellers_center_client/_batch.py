"""Batches: the reference a submit returns and the results it ends with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import Field

from sellers_center_client._base import ApiModel, RequestModel

Kind = Literal[
    "products", "status", "stocks", "prices", "ship-orders", "cancel-orders", "return-orders"
]
"""The batch kinds: each has a submit call and a results endpoint."""

ItemT = TypeVar("ItemT", bound=RequestModel)


class BatchStatus(StrEnum):
    """Where a batch is; ``completed`` and ``failed`` are final."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    RETRY = "retry"
    FAILED = "failed"


FINAL_STATUSES = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED})


@dataclass(frozen=True, slots=True)
class BatchRef(Generic[ItemT]):
    """What a submit returns: the batch's id and kind, and the idempotency key it was sent with
    (record it to resubmit the same items safely after a crash)."""

    kind: Kind
    batch_id: uuid.UUID
    idempotency_key: str | None


class ResultItem(ApiModel, Generic[ItemT]):
    """The outcome of one submitted item; ``request_item`` echoes it as sent."""

    request_item: ItemT = Field(alias="requestItem")
    success: bool
    errors: list[str]
    """The reasons the item was not applied, in the service's plain-English wording."""


class BatchResult(ApiModel, Generic[ItemT]):
    """A batch's results. ``items`` is empty until the batch is final, then holds one outcome
    per submitted item, in order."""

    batch_id: uuid.UUID = Field(alias="batchRequestId")
    status: BatchStatus | str = Field(union_mode="left_to_right")
    items: list[ResultItem[ItemT]]

    @property
    def is_final(self) -> bool:
        """True once the batch is ``completed`` or ``failed``; its results no longer change."""
        return self.status in FINAL_STATUSES

    @property
    def succeeded(self) -> list[ResultItem[ItemT]]:
        """The items that were applied."""
        return [item for item in self.items if item.success]

    @property
    def failed(self) -> list[ResultItem[ItemT]]:
        """The items that were not applied, each with its errors."""
        return [item for item in self.items if not item.success]


class BatchAccepted(ApiModel):
    """The answer to a submit."""

    batch_id: uuid.UUID = Field(alias="batchRequestId")
