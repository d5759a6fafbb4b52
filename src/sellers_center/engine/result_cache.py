"""Final results kept in memory by the process that served them, so that reading them again
(integrations poll the same batch) costs no database round trip.

A final batch's stored results never change until retention deletes the batch, and retention
deletes only batches that ended more than the retention period ago (``maintenance.purge``). An
entry is therefore served only until its batch's retention ends; from then on the database
decides again (the batch is gone, or about to be). That holds whichever process purges, so no
message between processes is needed. The cache is bounded by the bytes it holds.

An entry keeps the items inside the whole answer to an unpaged read (``head`` + items + ``tail``,
framed by the engine's ``BatchResultView``), so that a repeated read sends bytes already made
instead of joining a copy of every item's bytes for each request; a paged read cuts the items
out of it again.
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
    body: bytes
    """The stored items between the ``head`` and ``tail`` they were put with."""
    items_start: int
    items_end: int
    purge_at: datetime
    """When retention may delete the batch: the entry is not served from then on."""

    @property
    def items(self) -> bytes:
        """The stored items as they were put (a copy: the unpaged answer is ``body``)."""
        return self.body[self.items_start : self.items_end]


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
        self,
        key: CacheKey,
        status: RequestStatus,
        items: bytes,
        finished_at: datetime,
        *,
        head: bytes = b"",
        tail: bytes = b"",
    ) -> FinalResult | None:
        """Keep a final batch's stored items, framed by ``head`` and ``tail``, until its
        retention ends; the entry kept, or None when it is not kept."""
        size = len(head) + len(items) + len(tail)
        if not status.is_final or size > self.max_bytes:
            return None
        end = len(head) + len(items)
        result = FinalResult(
            status, b"".join((head, items, tail)), len(head), end, finished_at + self.retention
        )
        if key in self._entries:
            self._drop(key)
        self._entries[key] = result
        self._bytes += len(result.body)
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)
        return result

    def _drop(self, key: CacheKey) -> None:
        self._bytes -= len(self._entries.pop(key).body)

    def __len__(self) -> int:
        return len(self._entries)
