"""When a call is tried again and how long to wait first; how ``batches.wait`` polls.

Pure decisions, no I/O: the sync and async clients run the same ones with their own sleep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sellers_center_client._errors import RateLimited, ServerError, TransportError
from sellers_center_client._http import ApiRequest, ApiResponse, error_from_response

# 501 and 505 say the call can never work; these say "not now".
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries.

    Connection failures, timeouts and 500/502/503/504 are retried only for calls that may be
    repeated safely: GET and DELETE, and submits carrying an idempotency key (the default).
    A 429 is waited out for every call (the server refused it before doing anything).
    """

    max_attempts: int = 4
    """Attempts of one call on connection failures and server errors, the first included."""
    backoff_initial: float = 0.5
    """Seconds before the first retry; doubled for each further one, up to ``backoff_max``,
    each wait drawn between half and all of it (jitter, so clients do not retry in step)."""
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    """The longest ``Retry-After`` (429 or 503) waited out; a longer one raises at once. The
    API's limits are per minute, so 60 s covers any 429."""
    rate_limit_retries: int = 3
    """429s waited out per call before ``RateLimited`` is raised."""
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)
    """A number in [0, 1) placing each backoff between half (0) and all (1) of its step."""

    def backoff(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1 for the first)."""
        ceiling = min(self.backoff_max, self.backoff_initial * 2.0 ** (retry - 1))
        return ceiling / 2 + self.jitter() * ceiling / 2


class RetryState:
    """The retries of one logical call: each failure gives the seconds to wait before the next
    attempt, or raises the error when the call must not or need not be tried again."""

    def __init__(self, policy: RetryPolicy, request: ApiRequest) -> None:
        self.policy = policy
        self.is_retryable = request.is_retryable
        self.failures = 0
        self.rate_limited = 0

    def after_transport_error(self, error: TransportError) -> float:
        if not (self.is_retryable and error.is_transient):
            raise error
        return self._retry(error, None)

    def after_response(self, response: ApiResponse) -> float:
        """For an unsuccessful answer. A 429's wait is left to the pacer (it returns 0 here),
        which holds back every call of that endpoint, not just this one."""
        error = error_from_response(response)
        if isinstance(error, RateLimited):
            wait = error.retry_after
            if wait is None:
                return self._retry(error, None)
            if self.rate_limited >= self.policy.rate_limit_retries:
                raise error
            if wait > self.policy.max_retry_after:
                raise error
            self.rate_limited += 1
            return 0.0
        if not (isinstance(error, ServerError) and self.is_retryable):
            raise error
        if error.status_code not in RETRYABLE_STATUSES:
            raise error
        return self._retry(error, error.retry_after)

    def _retry(self, error: Exception, retry_after: float | None) -> float:
        self.failures += 1
        if self.failures >= self.policy.max_attempts:
            raise error
        if retry_after is None:
            return self.policy.backoff(self.failures)
        if retry_after > self.policy.max_retry_after:
            raise error
        return retry_after


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """How ``batches.wait`` polls: first after ``poll_interval`` seconds, each wait then
    ``growth`` times longer up to ``max_interval``, giving up after ``timeout`` seconds."""

    timeout: float
    poll_interval: float
    max_interval: float = 10.0
    growth: float = 1.5

    def delays(self, started_at: float) -> PollDelays:
        return PollDelays(self, started_at)


class PollDelays:
    """The waits between the polls of one ``batches.wait``."""

    def __init__(self, schedule: PollSchedule, started_at: float) -> None:
        self.schedule = schedule
        self.deadline = started_at + schedule.timeout
        self.interval = schedule.poll_interval

    def next(self, now: float) -> float | None:
        """Seconds to wait before the next poll, or None when the time is up. The last wait
        ends at the deadline, so the batch gets one poll at the very end."""
        remaining = self.deadline - now
        if remaining <= 0:
            return None
        delay = min(self.interval, remaining)
        self.interval = min(self.interval * self.schedule.growth, self.schedule.max_interval)
        return delay
