"""A worker's leases on the batches it holds: how long a claim lasts, the heartbeat that renews
it while the batch runs, and giving a batch back unfinished at shutdown."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.engine import repository
from sellers_center.engine.repository import ClaimedBatch
from sellers_center.engine.status import RequestStatus
from sellers_center.telemetry.metrics import BATCHES

log = logging.getLogger(__name__)

SHUT_DOWN = "its worker shut down before finishing; the attempt does not count"
NOT_STARTED = (
    "claimed together with the batch before it, whose attempt failed; the attempt does not count"
)
# Renewals per lease period: one lost renewal (the database briefly away) still leaves time.
BEATS_PER_LEASE = 3


@dataclass(frozen=True, slots=True)
class Leases:
    unit: UnitOfWork
    clock: Clock
    owner: str
    seconds: float

    def end(self) -> datetime:
        """When a lease taken or renewed now runs out."""
        return self.clock.now() + timedelta(seconds=self.seconds)

    async def heartbeat(self, claimed: ClaimedBatch) -> None:
        """Renew the lease until cancelled; a failed renewal is tried again at the next beat,
        so one blip does not cost the lease. Returns when the batch is no longer ours."""
        interval = self.seconds / BEATS_PER_LEASE
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.unit.write() as session:
                    renewed = await repository.renew_lease(
                        session, batch_id=claimed.id, owner=self.owner, lease_until=self.end()
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

    async def give_back_unfinished(self, claimed: ClaimedBatch, reason: str = SHUT_DOWN) -> None:
        """Return a batch this worker stops working on (shutdown; ``reason`` says why),
        claimable by others at once; the attempt does not count. A batch this worker does not
        hold (any more) is left as it is."""
        now = self.clock.now()
        try:
            async with self.unit.write() as session:
                released = await repository.release_for_retry(
                    session,
                    batch_id=claimed.id,
                    owner=self.owner,
                    available_at=now,
                    error=reason,
                    now=now,
                    count_attempt=False,
                )
        except Exception:
            log.exception("batch %s: could not give it back; its lease will expire", claimed.id)
            return
        if released:
            BATCHES.labels(claimed.kind, RequestStatus.RETRY).inc()
            log.warning("batch %s: given back unfinished (%s)", claimed.id, reason)
