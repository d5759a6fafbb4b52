"""Batches: the reference a submit returns, the results it ends with, and the seller's list of
batches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import Field

from sellers_center_client._base import ApiModel, RequestModel
from sellers_center_client._page import Pagination

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
    pagination: Pagination | None = None
    """Where ``items`` sits among the matching items, when a page was asked for."""

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


class BatchSummary(ApiModel):
    """One of the seller's batches as ``batches.list`` and ``batches.get`` give it: its state
    and counts, not its items."""

    batch_id: uuid.UUID = Field(alias="batchRequestId")
    kind: str
    """The batch kind (``products``, ``stocks``, ...): read its results with
    ``results.get(kind, batch_id)``."""
    status: BatchStatus | str = Field(union_mode="left_to_right")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    item_count: int
    succeeded: int | None
    """Items applied; None until the batch is final."""
    failed: int | None
    """Items not applied (each with its errors in the results); None until final."""

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class CursorPagination(ApiModel):
    """Where a cursor-paged listing goes on: ``next_cursor`` is None on the last page."""

    per_page: int
    next: str | None
    next_cursor: str | None


class BatchesPage(ApiModel):
    """A page of the seller's batches, newest first."""

    items: list[BatchSummary]
    pagination: CursorPagination

    @property
    def next_cursor(self) -> str | None:
        return self.pagination.next_cursor
