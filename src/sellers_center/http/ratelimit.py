"""Rate limits on the wire (docs/api.md#transport-rules, #limits): the ``X-RateLimit-*`` headers
and the OpenAPI line of each limited operation. The counting is ``sellers_center.ratelimit``."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sellers_center.http.errors import ApiError
from sellers_center.ratelimit import Allowance, RateLimiter

# ``request.state.rate_limit``: set by the auth dependency, read by the headers middleware.
STATE_KEY = "rate_limit"


def describe_limit(per_minute: int) -> str:
    """The OpenAPI description line of a rate-limited operation, as the live service writes it."""
    return f"**Rate limit:** {per_minute} requests per minute"


async def count_call(
    limiter: RateLimiter, state: dict[str, Any], bucket: str, default_limit: int, key_id: str
) -> None:
    """Count one call of ``key_id`` against ``bucket``; raises 429 past its limit. The
    allowance goes into the request's ``state`` (its scope's), for the response's headers."""
    allowance = await limiter.hit(bucket, default_limit, key_id)
    if allowance is None:
        return
    state[STATE_KEY] = allowance
    if not allowance.is_allowed:
        raise ApiError(
            429,
            f"Rate limit exceeded: {allowance.limit} requests per minute on this endpoint; "
            f"retry in {allowance.retry_after} s",
            {"Retry-After": str(allowance.retry_after)},
        )


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
