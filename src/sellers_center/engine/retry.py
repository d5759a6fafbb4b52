"""What happens to a batch whose attempt failed: back to the queue after a growing wait, or
``failed`` once its attempts are used up. Only infrastructure trouble comes here: an item at
fault is isolated where the batch is applied (``application.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.engine import events, payload, repository, service
from sellers_center.engine.fault import AttemptFailure
from sellers_center.engine.repository import BatchRow, ClaimedBatch
from sellers_center.engine.results import encode_failure
from sellers_center.engine.status import RequestStatus
from sellers_center.telemetry.metrics import BATCHES, RETRIES

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a batch is tried and how long it waits between tries."""

    max_attempts: int
    backoff_seconds: float

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.backoff_seconds * 2 ** max(attempts - 1, 0))

    def is_exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def over_budget(budget_seconds: float) -> str:
    return f"processing took longer than its time budget of {budget_seconds:g} s"


@dataclass(frozen=True, slots=True)
class Retries:
    """Records failed attempts by the policy, each in a transaction of its own."""

    unit: UnitOfWork
    clock: Clock
    policy: RetryPolicy

    async def give_back(
        self, claimed: ClaimedBatch, owner: str, failure: AttemptFailure
    ) -> RequestStatus:
        """After a failed attempt of ``owner``'s: back to the queue, or ``failed`` once attempts
        run out. Returns the batch's new status (``processing`` when it could not be
        recorded)."""
        try:
            delay = self.policy.delay(claimed.attempts)
            return await self.retry_or_fail(claimed, owner, failure, delay)
        except Exception:
            # The database itself may be the problem; the lease expiry retries the batch.
            log.exception("batch %s: could not record the failed attempt", claimed.id)
            return RequestStatus.PROCESSING

    async def retry_or_fail(
        self,
        batch: ClaimedBatch | BatchRow,
        owner: str | None,
        failure: AttemptFailure,
        delay: timedelta,
    ) -> RequestStatus:
        """Retry after ``delay``, or fail the batch with every item's error; ``owner`` None
        takes it from whichever worker held it (an expired lease). ``processing`` when another
        worker changed it first."""
        now = self.clock.now()
        async with self.unit.write() as session:
            if not self.policy.is_exhausted(batch.attempts):
                released = await repository.release_for_retry(
                    session,
                    batch_id=batch.id,
                    owner=owner,
                    available_at=now + delay,
                    error=failure.detail,
                    now=now,
                )
                outcome = RequestStatus.RETRY
            else:
                items = payload.items_of(await repository.load_payload(session, batch.id))
                reason = service.failure_reason(batch.attempts, failure.reason)
                results = encode_failure(items, reason)
                released = await repository.finish(
                    session,
                    batch_id=batch.id,
                    owner=owner,
                    status=RequestStatus.FAILED,
                    items=results.items,
                    counts=results.counts,
                    now=now,
                    error=failure.detail,
                )
                if released:
                    await events.batch_final(
                        session,
                        batch_id=batch.id,
                        seller_id=batch.seller_id,
                        kind=batch.kind,
                        status=RequestStatus.FAILED,
                        counts=results.counts,
                        now=now,
                    )
                outcome = RequestStatus.FAILED
        if not released:
            return RequestStatus.PROCESSING
        BATCHES.labels(batch.kind, outcome).inc()
        if outcome is RequestStatus.RETRY:
            RETRIES.labels(batch.kind, failure.metric).inc()
        return outcome
