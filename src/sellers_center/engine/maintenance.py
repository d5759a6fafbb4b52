"""What every worker does periodically besides claiming: lost leases back to the queue, the
domains' system steps (e.g. activating approved styles), results past their retention and
idempotency keys past their window deleted. Each step is its own transaction, so one that fails
leaves the others done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.engine import repository
from sellers_center.engine.fault import AttemptFailure
from sellers_center.engine.retry import Retries
from sellers_center.engine.status import RequestStatus
from sellers_center.engine.wakeup import Wakeup
from sellers_center.telemetry.metrics import LEASE_EXPIRIES

log = logging.getLogger(__name__)

WORKER_LOST = "its worker stopped before finishing"

MaintenanceStep = Callable[[AsyncSession, datetime], Awaitable[int]]
"""A periodic system step a domain gives the worker (e.g. activating approved styles); it
works in the transaction it is handed and returns how many rows it changed."""


@dataclass(frozen=True, slots=True)
class Maintenance:
    unit: UnitOfWork
    clock: Clock
    retries: Retries
    wakeup: Wakeup
    retention: timedelta
    steps: Sequence[MaintenanceStep] = ()

    async def run(self) -> None:
        """Expire lost leases, run the domains' steps, purge batches past their retention and
        idempotency keys past their window."""
        await self.expire_leases()
        for step in self.steps:
            async with self.unit.long_write() as session:
                await step(session, self.clock.now())
        await self.purge()
        await self.purge_keys()

    async def every(self, interval_seconds: float, stopping: asyncio.Event) -> None:
        """Run until ``stopping`` is set, once per interval; a failed pass is logged."""
        while not stopping.is_set():
            try:
                await self.run()
            except Exception:
                log.exception("worker maintenance failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval_seconds)

    async def expire_leases(self) -> None:
        async with self.unit.read() as session:
            expired = await repository.expired_leases(session, now=self.clock.now())
        for batch in expired:
            # The batch already waited a whole lease: it is claimable again at once. Every
            # worker sees the expiry; only the one whose guarded update wins counts it.
            lost = AttemptFailure.plain(WORKER_LOST, "lease_expired")
            outcome = await self.retries.retry_or_fail(batch, None, lost, timedelta())
            if outcome is RequestStatus.PROCESSING:
                continue
            LEASE_EXPIRIES.labels(batch.kind).inc()
            log.warning(
                "batch %s: lease expired after attempt %s; now %s",
                batch.id,
                batch.attempts,
                outcome,
                extra={"batch_id": str(batch.id), "kind": batch.kind},
            )
        if expired:
            self.wakeup.notify()

    async def purge(self) -> None:
        """Delete final batches older than the retention, a chunk per transaction."""
        cutoff = self.clock.now() - self.retention
        while True:
            async with self.unit.long_write() as session:
                deleted = await repository.purge_finished_before(session, cutoff=cutoff)
            if deleted < repository.PURGE_CHUNK:
                return

    async def purge_keys(self) -> None:
        """Delete idempotency keys whose window has passed, a chunk per transaction (a key's
        next use takes an expired key over anyway; this keeps the table to the live ones)."""
        while True:
            async with self.unit.long_write() as session:
                deleted = await repository.purge_expired_keys(session, now=self.clock.now())
            if deleted < repository.KEY_PURGE_CHUNK:
                return
