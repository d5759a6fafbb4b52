"""Applying one claimed batch: its kind's ``process`` over the items, then the outcome stored
with the move to a final status, in one transaction guarded by the lease.

One bad item never sinks the batch (docs/api.md#batches). When applying the whole batch raises and
the error is not infrastructure trouble (``fault.is_infrastructure``), the transaction is rolled
back and the batch applied again in halves, recursively, each half in a savepoint: a half that
applies is kept, a half that raises is split until the single items at fault are found. Those get an
item error and the exception goes to the log; the others are applied in submission order, each half
as a batch of its own after the one before, so the outcome is that of the good items submitted one
part after another. The common case pays nothing for this: the first attempt at the whole batch runs
without a savepoint. Items the kind's schema refuses (``Parsed``) are set aside before any of this,
with their schema errors.

When every item of a batch of several fails on its own with the same kind of error, the items are
not at fault but the service (a kind's code failing whatever the item, the database refusing every
row): the attempt fails as infrastructure trouble (``fault.EveryItemFailedError``), is retried,
and the batch ends ``failed`` after its retries instead of ``completed`` with every item in
error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.engine import events, fault, payload, repository, service
from sellers_center.engine.fault import EveryItemFailedError, KindNotServedError, LeaseLostError
from sellers_center.engine.kind import BatchContext, BatchKind, ItemOutcome, KindRegistry
from sellers_center.engine.repository import ClaimedBatch
from sellers_center.engine.results import EchoedItems, EncodedResults, encode_failure, items_body
from sellers_center.engine.status import RequestStatus

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Application:
    """What one worker needs to apply the batches it holds under its name."""

    unit: UnitOfWork
    kinds: KindRegistry
    clock: Clock
    owner: str

    async def apply(
        self,
        claimed: ClaimedBatch,
        body: bytes,
        *,
        then: Callable[[AsyncSession], Awaitable[T]] | None = None,
    ) -> tuple[RequestStatus, T | None]:
        """Process the batch and make it final; returns the final status, and what ``then``
        returned when the batch's transaction ran it after making the batch final (the worker
        claims its next batch there: one write transaction fewer per batch)."""
        kind = self.kinds.get(claimed.kind)
        if kind is None:
            raise KindNotServedError(f"batch kind {claimed.kind!r} is not served by this worker")
        # Parsing is pure CPU: done before the write transaction, which on SQLite holds the
        # database's one write lock (measured: most of the batch time went to holding it), and
        # not while another slot's transaction holds it.
        await self.unit.before_cpu_work()
        try:
            parsed = Parsed.of(kind, body)
        except ValidationError as error:
            await self._fail_invalid(claimed, payload.items_of(body), error)
            return RequestStatus.FAILED, None
        context = BatchContext(claimed.id, claimed.seller_id, self.clock.now())
        items = await self._prepare(kind, context, parsed.typed)

        async def finished(session: AsyncSession, applied: Sequence[ItemOutcome]) -> T | None:
            await self._finish(session, claimed, parsed.results(applied))
            return None if then is None else await then(session)

        async def whole(session: AsyncSession) -> T | None:
            return await finished(session, await process_items(session, kind, context, items))

        async def in_halves(session: AsyncSession) -> T | None:
            isolation = _Isolation(session, kind, context, parsed.positions)
            applied = await isolation.in_halves(items, 0)
            isolation.check_not_systemic()
            return await finished(session, applied)

        try:
            following = await self.unit.write(whole)
        except Exception as error:
            if fault.is_infrastructure(error):
                raise
            log.warning(
                "batch %s: applying it failed (%s); looking for the items at fault",
                claimed.id,
                type(error).__name__,
                extra={"batch_id": str(claimed.id), "kind": claimed.kind},
            )
            following = await self.unit.write(in_halves)
        return RequestStatus.COMPLETED, following

    async def _prepare(
        self, kind: BatchKind, context: BatchContext, items: Sequence[Any]
    ) -> Sequence[Any]:
        """The items as the kind's ``process`` takes them: through its ``prepare`` first when it
        has one, on SQLite. Trouble reaching the database fails the attempt; any other error
        leaves the typed items for ``process``, whose transaction finds the items at fault.

        On PostgreSQL the work stays in the write transaction: nothing there waits for it (the
        products kind locks its rows after its checks), and a transaction of its own would cost
        round trips and the server's CPU, which the workers share with it."""
        if kind.prepare is None or not items or not self.unit.database.is_sqlite:
            return items
        try:
            async with self.unit.read() as session:
                prepared = list(await kind.prepare(session, context, items))
        except Exception as error:
            if fault.is_infrastructure(error):
                raise
            log.warning(
                "batch %s: preparing its items failed (%s); applying them unprepared",
                context.batch_id,
                type(error).__name__,
                extra={"batch_id": str(context.batch_id), "kind": kind.name},
            )
            return items
        if len(prepared) != len(items):
            raise ValueError(f"kind {kind.name!r} prepared {len(prepared)} of {len(items)} items")
        return prepared

    async def _finish(
        self,
        session: AsyncSession,
        claimed: ClaimedBatch,
        results: EncodedResults,
        *,
        status: RequestStatus = RequestStatus.COMPLETED,
        error: str | None = None,
    ) -> None:
        now = self.clock.now()
        finished = await repository.finish(
            session,
            batch_id=claimed.id,
            owner=self.owner,
            status=status,
            items=results.items,
            counts=results.counts,
            now=now,
            error=error,
        )
        if not finished:
            raise LeaseLostError(claimed.id)
        await events.batch_final(
            session,
            batch_id=claimed.id,
            seller_id=claimed.seller_id,
            kind=claimed.kind,
            status=status,
            counts=results.counts,
            now=now,
        )

    async def _fail_invalid(
        self, claimed: ClaimedBatch, items: list[Any], error: ValidationError
    ) -> None:
        """A stored payload the kind's schema no longer accepts as a whole (it changed since
        submission): no attempt would do better, so the batch fails at once."""
        reason = service.invalid_payload(error)
        log.error("batch %s: %s", claimed.id, reason, extra={"batch_id": str(claimed.id)})
        results = encode_failure(items, reason)
        async with self.unit.write() as session:
            await self._finish(session, claimed, results, status=RequestStatus.FAILED, error=reason)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A batch's items as its kind's schema takes them. An item the schema refuses (it changed
    since the batch was stored, e.g. NUL characters became refused) gets an item error and
    the others are applied without it."""

    echoed: EchoedItems
    """Every item as sent, encoded for the results but for its outcome."""
    typed: Sequence[Any]
    positions: list[int]
    """The batch position of each typed item."""
    refused: dict[int, list[str]]
    """Schema errors of the refused items, by batch position."""

    @classmethod
    def of(cls, kind: BatchKind, body: bytes) -> Parsed:
        """Raises pydantic's ValidationError when the payload is refused as a whole."""
        try:
            read = kind.parse(body)
        except ValidationError as error:
            items = payload.items_of(body)
            refused = service.item_schema_errors(error)
            if refused is None or any(position >= len(items) for position in refused):
                raise
        else:
            echo = read.echo()
            return cls(EchoedItems.of(echo), read.items, list(range(len(echo))), {})
        positions = [position for position in range(len(items)) if position not in refused]
        kept = [items[position] for position in positions]
        typed = kind.parse(items_body(kept)).items if kept else []
        return cls(EchoedItems.of(items), typed, positions, refused)

    def results(self, applied: Sequence[ItemOutcome]) -> EncodedResults:
        """The stored results: ``applied`` for the typed items, the refusals for the others."""
        outcomes = {n: ItemOutcome(tuple(errors)) for n, errors in self.refused.items()}
        outcomes.update(zip(self.positions, applied, strict=True))
        return self.echoed.with_outcomes([outcomes[n] for n in range(len(outcomes))])


async def process_items(
    session: AsyncSession, kind: BatchKind, context: BatchContext, items: Sequence[Any]
) -> list[ItemOutcome]:
    """The kind's outcomes for ``items``: one per item, in order, or an error."""
    if not items:  # every item refused by the schema
        return []
    outcomes = list(await kind.process(session, context, items))
    if len(outcomes) != len(items):
        raise ValueError(f"kind {kind.name!r} gave {len(outcomes)} outcomes for {len(items)} items")
    return outcomes


@dataclass
class _Isolation:
    """Finding the items at fault of one batch, inside its transaction."""

    session: AsyncSession
    kind: BatchKind
    context: BatchContext
    positions: list[int]
    """The batch position of each item given to ``in_halves``, for the log."""
    faults: int = 0
    fault_types: set[type[Exception]] = field(default_factory=set)
    first_fault: Exception | None = None

    async def in_halves(self, items: Sequence[Any], first: int) -> list[ItemOutcome]:
        """Apply ``items`` (the typed items from index ``first`` on), whose application
        together raised: the first half, then the second, each kept if it applies, split if
        not."""
        if len(items) <= 1:
            return await self.part(items, first)
        middle = len(items) // 2
        left = await self.part(items[:middle], first)
        return left + await self.part(items[middle:], first + middle)

    async def part(self, items: Sequence[Any], first: int) -> list[ItemOutcome]:
        try:
            async with self.session.begin_nested():
                return await process_items(self.session, self.kind, self.context, items)
        except Exception as error:
            if fault.is_infrastructure(error):
                raise
            if len(items) > 1:
                return await self.in_halves(items, first)
            self._log(error, self.positions[first])
            self.fault_types.add(type(error))
            self.first_fault = self.first_fault or error
            return [ItemOutcome((service.item_not_applied(),))]

    def check_not_systemic(self) -> None:
        """Raises ``EveryItemFailedError`` when every item of several failed alike."""
        is_every_item = self.faults == len(self.positions) > 1
        if is_every_item and len(self.fault_types) == 1 and self.first_fault is not None:
            raise EveryItemFailedError(self.first_fault)

    def _log(self, error: Exception, position: int) -> None:
        """The first item's traceback, one line for each further one: a kind failing on every
        item must not write a thousand tracebacks."""
        batch_id = self.context.batch_id
        extra = {"batch_id": str(batch_id), "kind": self.kind.name, "item": position}
        message = "batch %s: the item at index %s could not be applied"
        if self.faults == 0:
            log.error(message, batch_id, position, exc_info=error, extra=extra)
        else:
            log.error(f"{message} (%s)", batch_id, position, fault.describe(error), extra=extra)
        self.faults += 1
