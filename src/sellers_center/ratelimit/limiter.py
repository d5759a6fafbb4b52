"""Per-key, per-endpoint limits over a moving one-minute window (docs/api.md#limits): the
counting itself, in Redis shared by every process or in this process's memory. The HTTP side
(headers, the OpenAPI line) is ``http/ratelimit.py``."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from sellers_center.settings import Settings
from sellers_center.telemetry.metrics import RATE_LIMIT_FALLBACK, RATE_LIMIT_STORAGE_UP

log = logging.getLogger(__name__)

# After Redis fails, requests are counted in memory this long before Redis is tried again, so
# an outage costs one timeout per process every few seconds, not one per request.
SHARED_RETRY_SECONDS = 5.0
REDIS_KEY_PREFIX = "sellers-center-limits"


@dataclass(frozen=True, slots=True)
class Allowance:
    """The outcome of one hit: the headers every authenticated response carries."""

    limit: int
    remaining: int
    retry_after: int | None
    """Seconds until a slot frees up; set only when the call was refused."""

    @property
    def is_allowed(self) -> bool:
        return self.retry_after is None

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
        ]


class RateLimiter:
    """Counts calls per (API key, endpoint bucket); limits come from settings or defaults.

    With a shared storage (Redis) the count is exact across every API process. When the shared
    storage fails or is slower than ``timeout_seconds``, the call is counted in this process's
    memory instead (fail open to per-process limits: the API neither hangs nor refuses sellers
    because Redis is down), and Redis is tried again ``retry_seconds`` later.
    """

    def __init__(
        self,
        overrides: dict[str, int],
        *,
        is_enabled: bool,
        shared: Storage | None = None,
        timeout_seconds: float = 0.5,
        retry_seconds: float = SHARED_RETRY_SECONDS,
    ) -> None:
        self.overrides = overrides
        self.is_enabled = is_enabled
        self.shared = shared
        self.timeout_seconds = timeout_seconds
        self.retry_seconds = retry_seconds
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared = MovingWindowRateLimiter(shared) if shared is not None else None
        self._shared_down_until: float | None = None
        RATE_LIMIT_STORAGE_UP.set(1 if shared is not None else 0)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        shared = None
        if settings.redis_url is not None:
            timeout = settings.redis_timeout_seconds
            shared = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=REDIS_KEY_PREFIX,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
            )
        return cls(
            settings.rate_limits,
            is_enabled=settings.rate_limits_enabled,
            shared=shared,
            timeout_seconds=settings.redis_timeout_seconds,
        )

    @property
    def is_shared(self) -> bool:
        """True while calls are counted in the shared storage."""
        return self._shared is not None and self._shared_down_until is None

    def limit_for(self, bucket: str, default: int) -> int:
        return self.overrides.get(bucket, default)

    async def hit(self, bucket: str, default: int, key_id: str) -> Allowance | None:
        """Count one call; None when limiting is switched off."""
        if not self.is_enabled:
            return None
        item = RateLimitItemPerMinute(self.limit_for(bucket, default))
        if self._shared is not None and self._shared_is_due():
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    allowance = await _hit(self._shared, item, key_id, bucket)
            except (StorageError, TimeoutError, OSError) as error:
                self._shared_failed(error)
            else:
                self._shared_answered()
                return allowance
        if self._shared is not None:
            RATE_LIMIT_FALLBACK.inc()
        return await _hit(self._local, item, key_id, bucket)

    async def check_shared(self) -> str | None:
        """None without shared storage; otherwise "ok" or "error: ..." (the Redis client reports
        every failure, refused or timed out, as "no answer")."""
        if self.shared is None:
            return None
        try:
            async with asyncio.timeout(self.timeout_seconds):
                answered = await self.shared.check()
        except (StorageError, TimeoutError, OSError) as error:
            return f"error: {type(error).__name__}"
        return "ok" if answered else "error: no answer"

    async def aclose(self) -> None:
        """Close the connections to the shared storage (at shutdown). limits offers no public
        way to; its redis-py bridge keeps the client as ``storage``."""
        if isinstance(self.shared, RedisStorage):
            client: Any = getattr(self.shared.bridge, "storage", None)
            if client is not None:
                await client.aclose()

    def _shared_is_due(self) -> bool:
        """Whether this call goes to Redis. While Redis is down, one call per retry period
        probes it; the calls meanwhile count in memory instead of waiting on the probe."""
        if self._shared_down_until is None:
            return True
        now = time.monotonic()
        if now < self._shared_down_until:
            return False
        self._shared_down_until = now + self.retry_seconds
        return True

    def _shared_failed(self, error: BaseException) -> None:
        if self._shared_down_until is None:
            log.warning(
                "rate limits: Redis did not answer (%s); counting in process memory, "
                "retrying Redis every %g s",
                _describe(error),
                self.retry_seconds,
                extra={"rate_limit_storage": "memory"},
            )
        self._shared_down_until = time.monotonic() + self.retry_seconds
        RATE_LIMIT_STORAGE_UP.set(0)

    def _shared_answered(self) -> None:
        if self._shared_down_until is not None:
            log.warning(
                "rate limits: Redis answers again; limits are shared across processes",
                extra={"rate_limit_storage": "redis"},
            )
            self._shared_down_until = None
            RATE_LIMIT_STORAGE_UP.set(1)


async def _hit(
    strategy: MovingWindowRateLimiter, item: RateLimitItem, key_id: str, bucket: str
) -> Allowance:
    allowed = await strategy.hit(item, key_id, bucket)
    stats = await strategy.get_window_stats(item, key_id, bucket)
    retry_after = None if allowed else max(1, math.ceil(stats.reset_time - time.time()))
    return Allowance(item.amount, max(stats.remaining, 0), retry_after)


def _describe(error: BaseException) -> str:
    cause = (error.__cause__ or error.__context__) if isinstance(error, StorageError) else None
    shown = cause or error
    return f"{type(shown).__name__}: {shown}" if str(shown) else type(shown).__name__
