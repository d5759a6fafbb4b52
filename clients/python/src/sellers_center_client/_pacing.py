"""Pacing by the rate-limit headers: hold back an endpoint's next call rather than provoke a 429.

The server counts calls per API key and endpoint bucket over a moving one-minute window and
answers every authenticated call with ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``.
When none remain, a slot frees once the oldest call in the window is a minute old. This client
knows the calls it made itself: the oldest of them still in the window is no older than the
server's oldest, so waiting until it leaves the window never comes too early.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping

from sellers_center_client._http import ApiResponse

WINDOW_SECONDS = 60.0  # the server's window (API guide: rate limits)
LIMIT_HEADER = "x-ratelimit-limit"
REMAINING_HEADER = "x-ratelimit-remaining"


class RateLimitPacer:
    """Per-bucket waits of one client (one API key). Safe to share between threads."""

    def __init__(self, window_seconds: float = WINDOW_SECONDS) -> None:
        self.window_seconds = window_seconds
        self._answered: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def delay(self, bucket: str, now: float) -> float:
        """Seconds to wait before the next call of ``bucket``."""
        with self._lock:
            return max(0.0, self._blocked_until.get(bucket, now) - now)

    def observe(self, bucket: str, response: ApiResponse, now: float) -> None:
        """Learn from an answer of ``bucket`` received at ``now``."""
        with self._lock:
            if response.status_code == 429:
                # A refused call takes no slot; the server said when one frees up.
                retry_after = response.header_seconds("retry-after")
                if retry_after is not None:
                    self._blocked_until[bucket] = now + retry_after
                return
            remaining = _count(response.headers, REMAINING_HEADER)
            limit = _count(response.headers, LIMIT_HEADER)
            if remaining is None or limit is None:
                return
            answered = self._window(bucket, limit, now)
            answered.append(now)
            if remaining == 0:
                self._blocked_until[bucket] = answered[0] + self.window_seconds
            else:
                self._blocked_until.pop(bucket, None)

    def _window(self, bucket: str, limit: int, now: float) -> deque[float]:
        """This client's answered calls of ``bucket`` still in the window, at most ``limit``."""
        answered = self._answered.get(bucket)
        if answered is None or answered.maxlen != max(limit, 1):
            answered = deque(answered or (), maxlen=max(limit, 1))
            self._answered[bucket] = answered
        while answered and answered[0] <= now - self.window_seconds:
            answered.popleft()
        return answered


def _count(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None or not value.isdigit():
        return None
    return int(value)
