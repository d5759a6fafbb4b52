"""Counting calls per API key and endpoint bucket: the limiter and its storage fallback."""

from sellers_center.ratelimit.limiter import (
    REDIS_KEY_PREFIX,
    SHARED_RETRY_SECONDS,
    Allowance,
    RateLimiter,
)

__all__ = ["REDIS_KEY_PREFIX", "SHARED_RETRY_SECONDS", "Allowance", "RateLimiter"]
