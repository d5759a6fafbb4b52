"""The batch status values (docs/api.md#batches)."""

from __future__ import annotations

from enum import StrEnum


class RequestStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    RETRY = "retry"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in FINAL


FINAL = frozenset({RequestStatus.COMPLETED, RequestStatus.FAILED})
CLAIMABLE = (RequestStatus.PENDING, RequestStatus.RETRY)
