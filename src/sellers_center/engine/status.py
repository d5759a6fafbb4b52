"""The batch status values of SPEC §2."""

from __future__ import annotations

from enum import StrEnum


class BatchStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    RETRY = "retry"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in FINAL


FINAL = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED})
CLAIMABLE = (BatchStatus.PENDING, BatchStatus.RETRY)
