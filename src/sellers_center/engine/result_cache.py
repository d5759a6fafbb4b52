"""Final results kept in memory by the process that served them, so that reading them again
(integrations poll the same batch) costs no database round trip.

A final batch's stored results never change until retention deletes the batch, and retention
deletes only batches that ended more than the retention period ago (``maintenance.purge``). An
entry is therefore served only until its batch's retention ends; from then on the database
decides again (the batch is gone, or about to be). That holds whichever process purges, so no
message between processes is needed. The cache is bounded by the bytes it holds.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sellers_center.engine.status import RequestStatus

# Result bytes kept at most per process: a 100-item products batch stores about 60 KB, so
# about a thousand recently read batches.
RESULT_CACHE_BYTES = 64 * 1024 * 1024

CacheKey = tuple[int, str, uuid.UUID]
"""(seller id, kind, batch id): another seller's or kind's read never finds the entry."""


@dataclass(frozen=True, slots=True)
class FinalResult:
    status: RequestStatus
    items: bytes
    purge_at: datetime
    """When retention may delete the batch: the entry is not served from then on."""


class ResultCache:
    """Final results by (seller, kind, batch), least recently used first out."""

    def __init__(self, retention: timedelta, max_bytes: int = RESULT_CACHE_BYTES) -> None:
        self.retention = retention
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, FinalResult] = OrderedDict()
        self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: CacheKey, now: datetime) -> FinalResult | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.purge_at <= now:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(
        self, key: CacheKey, status: RequestStatus, items: bytes, finished_at: datetime
    ) -> None:
        """Keep a final batch's stored items until its retention ends."""
        if not status.is_final or len(items) > self.max_bytes:
            return
        result = FinalResult(status, items, finished_at + self.retention)
        if key in self._entries:
            self._drop(key)
        self._entries[key] = result
        self._bytes += len(result.items)
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    def _drop(self, key: CacheKey) -> None:
        self._bytes -= len(self._entries.pop(key).items)

    def __len__(self) -> int:
        return len(self._entries)
