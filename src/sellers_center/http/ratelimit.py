"""Per-key, per-endpoint limits over a moving one-minute window (SPEC §1, §6)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# ``request.state.rate_limit``: set by the auth dependency, read by the headers middleware.
STATE_KEY = "rate_limit"


def describe_limit(per_minute: int) -> str:
    """The OpenAPI description line of a rate-limited operation, as the live service writes it."""
    return f"**Rate limit:** {per_minute} requests per minute"


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
    """Counts calls per (API key, endpoint bucket); limits come from settings or defaults."""

    def __init__(
        self,
        overrides: dict[str, int],
        *,
        is_enabled: bool,
        storage: Storage | None = None,
    ) -> None:
        self.overrides = overrides
        self.is_enabled = is_enabled
        self.strategy = MovingWindowRateLimiter(storage or MemoryStorage())

    def limit_for(self, bucket: str, default: int) -> int:
        return self.overrides.get(bucket, default)

    async def hit(self, bucket: str, default: int, key_id: str) -> Allowance | None:
        """Count one call; None when limiting is switched off."""
        if not self.is_enabled:
            return None
        item = RateLimitItemPerMinute(self.limit_for(bucket, default))
        allowed = await self.strategy.hit(item, key_id, bucket)
        stats = await self.strategy.get_window_stats(item, key_id, bucket)
        retry_after = None if allowed else max(1, math.ceil(stats.reset_time - time.time()))
        return Allowance(item.amount, max(stats.remaining, 0), retry_after)


class RateLimitHeadersMiddleware:
    """Adds the allowance recorded during the request to its response, whatever the status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            allowance = state.get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(allowance, Allowance):
                message["headers"] = [*message.get("headers", []), *allowance.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
