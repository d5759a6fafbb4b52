"""The worker: claims batches under a lease, has them applied, retries what failed.

A batch's domain writes and its move to ``completed`` commit in one transaction guarded by the
lease (``application.py``), so a worker that dies mid-batch leaves nothing behind and a batch is
applied exactly once. Only infrastructure trouble reaches this module's retries: an item at
fault is isolated where the batch is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.clock import Clock
from sellers_center.db import Database, UnitOfWork
from sellers_center.engine import payload, repository, service
from sellers_center.engine.application import Application
from sellers_center.engine.fault import AttemptFailure, LeaseLostError
from sellers_center.engine.kind import KindRegistry
from sellers_center.engine.repository import BatchRow, ClaimedBatch
from sellers_center.engine.service import RetryPolicy
from sellers_center.engine.status import RequestStatus
from sellers_center.engine.wakeup import Wakeup
from sellers_center.telemetry.metrics import BATCHES, LEASE_EXPIRIES, PROCESSING, RETRIES

log = logging.getLogger(__name__)

WORKER_LOST = "its worker stopped before finishing"
SHUT_DOWN = "its worker shut down before finishing; the attempt does not count"


MaintenanceStep = Callable[[AsyncSession, datetime], Awaitable[int]]
"""A periodic system step a domain gives the worker (e.g. activating approved styles); it
works in the transaction it is handed and returns how many rows it changed."""


Listener = Callable[[Wakeup], Coroutine[Any, Any, None]]
"""Runs beside the claim loops until cancelled, waking them when another process adds work."""


def over_budget(budget_seconds: float) -> str:
    return f"processing took longer than its time budget of {budget_seconds:g} s"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    concurrency: int
    lease_seconds: float
    poll_seconds: float
    maintenance_seconds: float
    retention: timedelta
    retry: RetryPolicy
    budget_seconds: float = 120.0
    shutdown_grace_seconds: float = 20.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs ``concurrency`` claim loops and a maintenance loop until ``stop`` is called."""

    def __init__(
        self,
        database: Database,
        kinds: KindRegistry,
        config: WorkerConfig,
        clock: Clock,
        wakeup: Wakeup | None = None,
        *,
        maintenance: Sequence[MaintenanceStep] = (),
        listener: Listener | None = None,
    ) -> None:
        self.database = database
        self.unit = UnitOfWork(database)
        self.maintenance = tuple(maintenance)
        self.listener = listener
        self.kinds = kinds
        self.config = config
        self.clock = clock
        self.wakeup = wakeup or Wakeup()
        self.name = worker_name()
        self.application = Application(self.unit, kinds, clock, self.name)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop claiming; ``run`` returns once the batches in hand are finished, or given back
        after the shutdown grace period."""
        self._stopping.set()
        self.wakeup.notify()

    async def run(self) -> None:
        claim_loops = [
            asyncio.create_task(self._claim_loop(slot), name=f"claim-loop-{slot}")
            for slot in range(self.config.concurrency)
        ]
        helpers = [asyncio.create_task(self._maintenance_loop(), name="maintenance")]
        if self.listener is not None:
            helpers.append(asyncio.create_task(self.listener(self.wakeup), name="listener"))
        try:
            await self._stopping.wait()
            _, running = await asyncio.wait(claim_loops, timeout=self.config.shutdown_grace_seconds)
            if running:
                log.warning(
                    "shutdown: giving back the batches still running after %g s",
                    self.config.shutdown_grace_seconds,
                )
        finally:
            # Cancelled claim loops give their batch back (see _process) before they end.
            for task in [*claim_loops, *helpers]:
                task.cancel()
            await asyncio.gather(*claim_loops, *helpers, return_exceptions=True)

    async def run_once(self) -> bool:
        """Claim and process one batch if there is one; True when a batch was processed."""
        claim = await self._claim()
        if claim is None:
            return False
        await self._process(*claim)
        return True

    async def run_maintenance(self) -> None:
        """Expire lost leases, run the domains' steps, purge batches past their retention."""
        await self._expire_leases()
        for step in self.maintenance:
            async with self.unit.write() as session:
                await step(session, self.clock.now())
        await self._purge()

    # --- claim loop ---------------------------------------------------------------------------

    async def _claim_loop(self, slot: int) -> None:
        failing = False  # while the database is away, one traceback per outage, not per poll
        while not self._stopping.is_set():
            try:
                if await self.run_once():
                    failing = False
                    continue
                if failing:
                    log.warning("worker slot %s: claiming works again", slot)
                failing = False
            except Exception as error:
                if not failing:
                    log.exception("worker slot %s: claiming failed", slot)
                else:
                    log.debug("worker slot %s: claiming still fails: %r", slot, error)
                failing = True
            await self.wakeup.wait(self.config.poll_seconds)

    async def _claim(self) -> tuple[ClaimedBatch, bytes] | None:
        now = self.clock.now()
        async with self.unit.write() as session:
            claimed = await repository.claim_next(
                session, owner=self.name, now=now, lease_until=self._lease_end()
            )
            if claimed is None:
                return None
            return claimed, await repository.load_payload(session, claimed.id)

    def _lease_end(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.config.lease_seconds)

    async def _process(self, claimed: ClaimedBatch, body: bytes) -> None:
        started = time.perf_counter()
        heartbeat = asyncio.create_task(self._heartbeat(claimed))
        budget = asyncio.timeout(self.config.budget_seconds)
        context = {"batch_id": str(claimed.id), "kind": claimed.kind, "attempt": claimed.attempts}
        try:
            async with budget:
                outcome = await self.application.apply(claimed, body)
        except LeaseLostError:
            log.warning("batch %s: lease lost, leaving it to its new owner", claimed.id)
        except asyncio.CancelledError:
            # Shutting down with the batch unfinished: its transaction rolled back; hand it
            # over at once, shielded from a second cancellation.
            await asyncio.shield(self._give_back_unfinished(claimed))
            raise
        except Exception as error:
            if isinstance(error, TimeoutError) and budget.expired():
                failure = AttemptFailure.plain(over_budget(self.config.budget_seconds), "budget")
                log.warning("batch %s: %s", claimed.id, failure.reason, extra=context)
            else:
                failure = AttemptFailure.of(error)
                log.exception("batch %s: attempt failed", claimed.id, extra=context)
            # Shielded: a shutdown arriving now must not leave the batch held until its lease
            # expires.
            outcome = await asyncio.shield(self._give_back(claimed, failure))
            PROCESSING.labels(claimed.kind, outcome).observe(time.perf_counter() - started)
        else:
            PROCESSING.labels(claimed.kind, outcome).observe(time.perf_counter() - started)
            BATCHES.labels(claimed.kind, outcome).inc()
            log.info("batch %s: %s", claimed.id, outcome, extra=context)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await heartbeat

    async def _give_back(self, claimed: ClaimedBatch, failure: AttemptFailure) -> RequestStatus:
        """After a failed attempt: back to the queue, or ``failed`` once attempts run out.

        Returns the batch's new status (``processing`` when it could not be recorded).
        """
        try:
            delay = self.config.retry.delay(claimed.attempts)
            return await self._retry_or_fail(claimed, self.name, failure, delay)
        except Exception:
            # The database itself may be the problem; the lease expiry retries the batch.
            log.exception("batch %s: could not record the failed attempt", claimed.id)
            return RequestStatus.PROCESSING

    async def _give_back_unfinished(self, claimed: ClaimedBatch) -> None:
        """Return a batch this worker stops working on (shutdown), claimable by others at once."""
        now = self.clock.now()
        try:
            async with self.unit.write() as session:
                released = await repository.release_for_retry(
                    session,
                    batch_id=claimed.id,
                    owner=self.name,
                    available_at=now,
                    error=SHUT_DOWN,
                    now=now,
                    count_attempt=False,
                )
        except Exception:
            log.exception("batch %s: could not give it back; its lease will expire", claimed.id)
            return
        if released:
            BATCHES.labels(claimed.kind, RequestStatus.RETRY).inc()
            log.warning("batch %s: given back unfinished at shutdown", claimed.id)

    async def _retry_or_fail(
        self,
        batch: ClaimedBatch | BatchRow,
        owner: str | None,
        failure: AttemptFailure,
        delay: timedelta,
    ) -> RequestStatus:
        now = self.clock.now()
        async with self.unit.write() as session:
            if not self.config.retry.is_exhausted(batch.attempts):
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
                released = await repository.finish(
                    session,
                    batch_id=batch.id,
                    owner=owner,
                    status=RequestStatus.FAILED,
                    items=service.encode_failure(items, reason),
                    now=now,
                    error=failure.detail,
                )
                outcome = RequestStatus.FAILED
        if not released:
            return RequestStatus.PROCESSING
        BATCHES.labels(batch.kind, outcome).inc()
        if outcome is RequestStatus.RETRY:
            RETRIES.labels(batch.kind, failure.metric).inc()
        return outcome

    async def _heartbeat(self, claimed: ClaimedBatch) -> None:
        """Renew the lease three times per lease; a failed renewal (the database briefly
        away) is tried again at the next beat, so one blip does not cost the lease."""
        interval = self.config.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.unit.write() as session:
                    renewed = await repository.renew_lease(
                        session,
                        batch_id=claimed.id,
                        owner=self.name,
                        lease_until=self._lease_end(),
                    )
            except Exception as error:
                log.warning(
                    "batch %s: lease renewal failed (%s); trying again",
                    claimed.id,
                    type(error).__name__,
                )
                continue
            if not renewed:
                log.warning("batch %s: lease could not be renewed", claimed.id)
                return

    # --- maintenance --------------------------------------------------------------------------

    async def _maintenance_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_maintenance()
            except Exception:
                log.exception("worker maintenance failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.maintenance_seconds)

    async def _expire_leases(self) -> None:
        async with self.unit.read() as session:
            expired = await repository.expired_leases(session, now=self.clock.now())
        for batch in expired:
            # The batch already waited a whole lease: it is claimable again at once. Every
            # worker sees the expiry; only the one whose guarded update wins counts it.
            lost = AttemptFailure.plain(WORKER_LOST, "lease_expired")
            outcome = await self._retry_or_fail(batch, None, lost, timedelta())
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

    async def _purge(self) -> None:
        cutoff = self.clock.now() - self.config.retention
        while True:
            async with self.unit.write() as session:
                deleted = await repository.purge_finished_before(session, cutoff=cutoff)
            if deleted < repository.PURGE_CHUNK:
                return
