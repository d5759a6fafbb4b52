"""Delivering webhooks in the workers: a claim loop that takes due deliveries under a lease and
makes each attempt in a task of its own, at most ``concurrency`` at once.

An attempt resolves the subscription's host again and checks the address (``target.py``),
connects to that address, and signs the request (``signature.py``). A 2xx within the timeout
is success; anything else is retried after an exponential, jittered wait until the retry
window closes, then the delivery is ``failed``. A subscription that has failed without a single
success for ``disable_after`` is disabled, with the reason in the delivery log. A worker that
dies mid-attempt loses nothing: its lease runs out and another worker delivers (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.telemetry.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from sellers_center.webhooks import queue, rules, service, signature
from sellers_center.webhooks.queue import ClaimedDelivery
from sellers_center.webhooks.target import Target, TargetPolicy, TargetRefusedError, resolve

log = logging.getLogger(__name__)

# The longest wait between two attempts, whatever the backoff doubled to.
MAX_BACKOFF_SECONDS = 4 * 3600.0
# A lease outlasts an attempt's whole time limit (resolution and request) by this much.
LEASE_MARGIN_SECONDS = 5.0
USER_AGENT = "SellersCenter-Webhooks/1"


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    concurrency: int = 16
    timeout_seconds: float = 10.0
    poll_seconds: float = 0.2
    retry_window: timedelta = timedelta(hours=48)
    backoff_seconds: float = 5.0
    disable_after: timedelta = timedelta(hours=120)
    policy: TargetPolicy = field(default_factory=TargetPolicy)

    @property
    def lease_seconds(self) -> float:
        return 2 * self.timeout_seconds + LEASE_MARGIN_SECONDS

    def backoff(self, attempts: int, jitter: Callable[[], float] = random.random) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: doubled per attempt up to
        ``MAX_BACKOFF_SECONDS``, then a random point in its upper half, so that receivers
        coming back are not hit by every retry at once."""
        ceiling = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
        return timedelta(seconds=ceiling * (0.5 + 0.5 * jitter()))


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int | None
    error: str | None
    """None on success."""


class Dispatcher:
    """Claims and attempts deliveries; one per worker process."""

    def __init__(
        self,
        unit: UnitOfWork,
        clock: Clock,
        config: DeliveryConfig,
        owner: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.unit = unit
        self.clock = clock
        self.config = config
        self.owner = owner
        self.transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Made at the first attempt: a worker that never delivers pays nothing for it."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.transport,
                timeout=httpx.Timeout(self.config.timeout_seconds),
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self) -> None:
        """Claim and attempt deliveries until cancelled; attempts in flight then give their
        deliveries back. Free slots are filled by one claim for all of them."""
        attempts: set[asyncio.Task[None]] = set()
        failing = False
        try:
            while True:
                free = self.config.concurrency - len(attempts)
                if free == 0:
                    await asyncio.wait(attempts, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    claimed = await self._claim(free)
                    failing = False
                except Exception:
                    if not failing:
                        log.exception("webhooks: claiming deliveries failed")
                    failing, claimed = True, []
                for delivery in claimed:
                    task = asyncio.create_task(
                        self.attempt(delivery), name=f"webhook-{delivery.id}"
                    )
                    attempts.add(task)
                    task.add_done_callback(attempts.discard)
                if not claimed:
                    await self._idle(attempts)
        finally:
            for task in attempts:
                task.cancel()
            await asyncio.gather(*attempts, return_exceptions=True)
            await self.aclose()

    async def _idle(self, attempts: set[asyncio.Task[None]]) -> None:
        """Nothing claimable: look again after the poll interval, or as soon as an attempt ends
        (its subscription's next delivery may be due)."""
        if attempts:
            await asyncio.wait(
                attempts, timeout=self.config.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        else:
            await asyncio.sleep(self.config.poll_seconds)

    async def run_once(self) -> bool:
        """Claim and attempt one due delivery, if there is one (tests, the CLI)."""
        claimed = await self._claim(1)
        if not claimed:
            return False
        await self.attempt(claimed[0])
        return True

    async def _claim(self, limit: int) -> list[ClaimedDelivery]:
        now = self.clock.now()
        async with self.unit.read() as session:
            if not await queue.any_due(session, now):
                return []
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        async with self.unit.write() as session:
            return await queue.claim_due(
                session, owner=self.owner, now=now, lease_until=lease_until, limit=limit
            )

    async def attempt(self, claimed: ClaimedDelivery) -> None:
        """One attempt at a claimed delivery, and its outcome recorded."""
        started = time.perf_counter()
        try:
            outcome = await self._send(claimed)
        except asyncio.CancelledError:
            await asyncio.shield(self._give_back(claimed))
            raise
        except Exception:
            # Recorded as a failed attempt like any other: an attempt that dies unrecorded is
            # claimed again when its lease runs out, forever, and holds its subscription's queue.
            log.exception("webhook delivery %s: the attempt failed", claimed.id)
            outcome = Outcome(None, rules.attempt_failed())
        seconds = time.perf_counter() - started
        result = "delivered" if outcome.error is None else "error"
        WEBHOOK_LATENCY.labels(result).observe(seconds)
        try:
            final = await asyncio.shield(self._record(claimed, outcome))
        except Exception:
            log.exception("webhook delivery %s: could not record the attempt", claimed.id)
            return
        if final is not None:
            WEBHOOK_DELIVERIES.labels(claimed.event, final).inc()

    async def _send(self, claimed: ClaimedDelivery) -> Outcome:
        body = service.payload(
            claimed.event_id,
            claimed.event,
            claimed.occurred_at,
            claimed.subscription_id,
            claimed.message,
        )
        headers = signature.headers(str(claimed.id), self.clock.now(), body, claimed.secrets)
        timeout = self.config.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                found = await resolve(claimed.url, self.config.policy)
                code = await self._post(found, body, headers)
        except TargetRefusedError as error:
            return Outcome(None, error.message)
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(None, rules.timed_out(timeout))
        except httpx.HTTPError as error:
            return Outcome(None, rules.request_failed(type(error).__name__))
        if 200 <= code < 300:
            return Outcome(code, None)
        return Outcome(code, rules.status_refused(code))

    async def _post(self, found: Target, body: bytes, headers: dict[str, str]) -> int:
        """POST to the address checked, naming the host in ``Host`` and (https) in TLS."""
        url = httpx.URL(found.url)
        extensions = {"sni_hostname": found.host} if found.scheme == "https" else {}
        request = self.client.build_request(
            "POST",
            url.copy_with(host=found.address),
            content=body,
            headers={
                **headers,
                "Host": url.netloc.decode("ascii"),
                "Content-Type": "application/json",
            },
            extensions=extensions,
        )
        response = await self.client.send(request, stream=True)
        await response.aclose()  # the status is the answer; the body is not read
        return response.status_code

    async def _record(self, claimed: ClaimedDelivery, outcome: Outcome) -> str | None:
        """The delivery's new status, or None when it was no longer ours."""
        now = self.clock.now()
        async with self.unit.write() as session:
            if outcome.error is None:
                assert outcome.code is not None
                recorded = await queue.record_success(
                    session, claimed, owner=self.owner, code=outcome.code, now=now
                )
                return queue.DELIVERED if recorded else None
            retry_at, error = self._next_attempt(claimed, outcome.error, now)
            # The attempt first: one whose lease ran out (another worker attempts the delivery
            # now) says nothing about the subscription, and must neither mark it failing nor
            # disable it.
            recorded = await queue.record_failure(
                session,
                claimed,
                owner=self.owner,
                code=outcome.code,
                error=error,
                retry_at=retry_at,
                now=now,
            )
            if not recorded:
                return None
            since = await queue.mark_failing(session, claimed.subscription_id, now)
            if since is not None and now - since >= self.config.disable_after:
                hours = self.config.disable_after.total_seconds() / 3600
                reason = rules.disabled_for_failures(since, hours)
                await queue.disable(session, claimed.subscription_id, reason, now)
                error = f"{error}; subscription {reason}"
                await queue.note_error(session, claimed.id, error)
                retry_at = None  # failed with the subscription's other pending deliveries
        log.info("webhook delivery %s: %s", claimed.id, error)
        return "retry" if retry_at is not None else queue.FAILED

    def _next_attempt(
        self, claimed: ClaimedDelivery, error: str, now: datetime
    ) -> tuple[datetime | None, str]:
        window_end = claimed.window_started_at + self.config.retry_window
        if now >= window_end:
            hours = self.config.retry_window.total_seconds() / 3600
            return None, f"{error}; {rules.window_over(hours)}"
        return min(now + self.config.backoff(claimed.attempts), window_end), error

    async def _give_back(self, claimed: ClaimedDelivery) -> None:
        with contextlib.suppress(Exception):
            async with self.unit.write() as session:
                await queue.release(session, claimed.id, owner=self.owner)
