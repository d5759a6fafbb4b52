"""API keys already verified by this process, kept for a short time so that a hot read (the
results fast path, ``http/fastpath.py``) skips the key's database lookup.

An entry holds the key's principal and expiry, so expiry applies to the next request as
without the cache. A revocation made in this process empties every cache of the process at
once (``note_revocation``, called by ``accounts.service.revoke_key``, again after its commit);
one made by another process (the CLI, another API process) is seen when the entry's ``ttl``
(``KEY_CACHE_SECONDS``) has passed, since nothing tells this process about it sooner. Keys that
fail verification are never cached: an unknown key costs a lookup every time, as it always did.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sellers_center.accounts.service import Principal

# How long a verified key is used without looking it up again: the longest a key revoked by
# another process (the CLI) can still read results here.
KEY_CACHE_SECONDS = 5.0
# Keys remembered at most; the least recently used goes first. A seller's integration uses a
# handful of keys, so this covers every active key of thousands of sellers.
KEY_CACHE_CAPACITY = 10_000

# Bumped by every revocation in this process; a cache that sees it move forgets everything.
_revocations = 0


def note_revocation() -> None:
    """A key was revoked in this process: every key cache of the process starts afresh."""
    global _revocations
    _revocations += 1


@dataclass(frozen=True, slots=True)
class CachedKey:
    principal: Principal
    expires_at: datetime | None
    """The key's own expiry, checked on every use."""
    fresh_until: datetime
    """After this the key is looked up again (a revocation elsewhere is seen then)."""


class KeyCache:
    """Verified keys by their full text, least recently used first out."""

    def __init__(self, ttl: timedelta, capacity: int = KEY_CACHE_CAPACITY) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._entries: OrderedDict[str, CachedKey] = OrderedDict()
        self._revocations_seen = _revocations

    @property
    def is_enabled(self) -> bool:
        return self.ttl > timedelta(0)

    def get(self, key: str, now: datetime) -> CachedKey | None:
        """The key's entry while it is fresh; None when it must be looked up."""
        if self._revocations_seen != _revocations:
            self._entries.clear()
            self._revocations_seen = _revocations
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.fresh_until <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def lookup_started(self) -> int:
        """Taken before a key is looked up, and given to ``put`` with what the lookup found."""
        return _revocations

    def put(
        self,
        key: str,
        principal: Principal,
        expires_at: datetime | None,
        now: datetime,
        *,
        lookup: int,
    ) -> None:
        """Remember a key found valid by the lookup begun at ``lookup`` (``lookup_started``)."""
        if not self.is_enabled or lookup != _revocations:
            # A revocation happened since the lookup began: the answer may be stale. Comparing
            # with what this cache last saw instead would keep it once another request's
            # ``get`` had caught up with the revocation.
            return
        if self._revocations_seen != _revocations:
            self._entries.clear()
            self._revocations_seen = _revocations
        self._entries[key] = CachedKey(principal, expires_at, now + self.ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
