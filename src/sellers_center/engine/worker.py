"""The worker: claim loops that take batches under a lease and have them applied, beside the
periodic maintenance.

A batch's domain writes and its move to ``completed`` commit in one transaction guarded by the
lease (``application.py``), so a worker that dies mid-batch leaves nothing behind and a batch is
applied exactly once. The lease's heartbeat and shutdown hand-back are ``lease.py``, what a
failed attempt leads to ``retry.py``, the periodic work ``maintenance.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.clock import Clock
from sellers_center.db import Database, UnitOfWork
from sellers_center.engine import fault, repository
from sellers_center.engine.application import Application
from sellers_center.engine.claimer import Claimer
from sellers_center.engine.fault import AttemptFailure, LeaseLostError
from sellers_center.engine.kind import KindRegistry
from sellers_center.engine.lease import NOT_STARTED, Leases
from sellers_center.engine.maintenance import Maintenance, MaintenanceStep
from sellers_center.engine.repository import ClaimedBatch
from sellers_center.engine.retry import Retries, RetryPolicy, over_budget
from sellers_center.engine.wakeup import Wakeup
from sellers_center.telemetry.metrics import BATCHES, PROCESSING

log = logging.getLogger(__name__)

Listener = Callable[[Wakeup], Coroutine[Any, Any, None]]
"""Runs beside the claim loops until cancelled, waking them when another process adds work."""
Companion = Callable[[], Coroutine[Any, Any, None]]
"""Other work a worker process runs beside its claim loops until cancelled at shutdown (the
webhook deliveries)."""


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
        companions: Sequence[Companion] = (),
    ) -> None:
        self.unit = UnitOfWork(database)
        self.listener = listener
        self.companions = tuple(companions)
        self.config = config
        self.clock = clock
        self.wakeup = wakeup or Wakeup()
        self.name = worker_name()
        self.application = Application(self.unit, kinds, clock, self.name)
        self.leases = Leases(self.unit, clock, self.name, config.lease_seconds)
        self.retries = Retries(self.unit, clock, config.retry)
        self.maintenance = Maintenance(
            self.unit, clock, self.retries, self.wakeup, config.retention, tuple(maintenance)
        )
        self._stopping = asyncio.Event()
        self.claimer = Claimer(self._claim, self.wakeup, config.poll_seconds)

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
        periodic = self.maintenance.every(self.config.maintenance_seconds, self._stopping)
        helpers = [asyncio.create_task(periodic, name="maintenance")]
        if self.listener is not None:
            helpers.append(asyncio.create_task(self.listener(self.wakeup), name="listener"))
        helpers += [asyncio.create_task(companion()) for companion in self.companions]
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
        await self._process(*claim, claim_next=False)
        return True

    async def run_maintenance(self) -> None:
        """One maintenance pass (``maintenance.py``), now."""
        await self.maintenance.run()

    async def _claim_loop(self, slot: int) -> None:
        failing = False  # while the database is away, one traceback per outage, not per poll
        while not self._stopping.is_set():
            try:
                claimed = await self.claimer.next()
                if claimed is not None:
                    # Each batch's transaction claims the next one, while there are any.
                    while claimed is not None:
                        claimed = await self._process(*claimed, claim_next=True)
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
        async with self.unit.write() as session:
            return await self._claim_in(session)

    async def _claim_in(self, session: AsyncSession) -> tuple[ClaimedBatch, bytes] | None:
        """The next batch, claimed in ``session``'s transaction, and its payload. None while
        stopping: a claim now would only be given back."""
        if self._stopping.is_set():
            return None
        generation = self.wakeup.generation
        claimed = await repository.claim_next(
            session, owner=self.name, now=self.clock.now(), lease_until=self.leases.end()
        )
        if claimed is None:
            self.claimer.found_nothing(generation)
            return None
        return claimed, await repository.load_payload(session, claimed.id)

    async def _claim_following(
        self, session: AsyncSession, claimed: list[ClaimedBatch]
    ) -> tuple[ClaimedBatch, bytes] | None:
        """``_claim_in`` at the end of a batch's transaction, in a savepoint: a claim that fails
        must not undo the batch it follows (the loop then claims on its own). What it claimed
        is also put in ``claimed``, so that it can be given back should that transaction
        commit while its caller is stopped."""
        try:
            async with session.begin_nested():
                following = await self._claim_in(session)
        except Exception as error:
            log.warning(
                "claiming the next batch in the last one's transaction failed (%s)",
                fault.describe(error),
            )
            return None
        if following is not None:
            claimed.append(following[0])
        return following

    async def _process(
        self, claimed: ClaimedBatch, body: bytes, *, claim_next: bool
    ) -> tuple[ClaimedBatch, bytes] | None:
        """Apply the batch; with ``claim_next``, its transaction also claims the next batch
        (one write transaction fewer per batch: on SQLite each one takes the database's write
        lock), which is returned to be processed next."""
        following = None
        chained: list[ClaimedBatch] = []
        started = time.perf_counter()
        heartbeat = asyncio.create_task(self.leases.heartbeat(claimed))
        budget = asyncio.timeout(self.config.budget_seconds)
        context = {"batch_id": str(claimed.id), "kind": claimed.kind, "attempt": claimed.attempts}
        try:
            async with budget:
                then = functools.partial(self._claim_following, claimed=chained)
                outcome, following = await self.application.apply(
                    claimed, body, then=then if claim_next else None
                )
        except LeaseLostError:
            log.warning("batch %s: lease lost, leaving it to its new owner", claimed.id)
        except asyncio.CancelledError:
            # Shutting down with the batch unfinished: its transaction rolled back; hand it
            # over at once, shielded from a second cancellation. (So is the batch it claimed,
            # should its transaction have committed all the same; if not, this changes nothing.)
            for batch in (claimed, *chained):
                await asyncio.shield(self.leases.give_back_unfinished(batch))
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
            outcome = await asyncio.shield(self.retries.give_back(claimed, self.name, failure))
            for batch in chained:  # claimed by a transaction that may have committed (above)
                await asyncio.shield(self.leases.give_back_unfinished(batch, NOT_STARTED))
            PROCESSING.labels(claimed.kind, outcome).observe(time.perf_counter() - started)
        else:
            PROCESSING.labels(claimed.kind, outcome).observe(time.perf_counter() - started)
            BATCHES.labels(claimed.kind, outcome).inc()
            log.info("batch %s: %s", claimed.id, outcome, extra=context)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await heartbeat
        task = asyncio.current_task()
        if following is not None and task is not None and task.cancelling():
            # Cancelled while the heartbeat ended: the batch claimed next goes back unstarted.
            await asyncio.shield(self.leases.give_back_unfinished(following[0]))
            raise asyncio.CancelledError
        return following
