"""Pushing a file: its chunks submitted with idempotency keys recorded in the state file, then
(with ``wait``) polled until every batch is final."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sellers_center_client._client import Client
from sellers_center_client._errors import NotFound, ValidationFailed
from sellers_center_client._kind import KindSpec, chunks
from sellers_center_client.push._errors import BatchRefused, KeyExpired, PushError
from sellers_center_client.push._source import SourceFormat, SourceItem, read_items
from sellers_center_client.push._state import ChunkState, PushPlan, PushState

# Polls of the oldest open batch: soon after a submit, then spaced out while nothing changes.
# 0.5 s keeps a seller under the batch read limit (200 a minute) with room for the other reads.
FIRST_POLL_SECONDS = 0.5
LONGEST_POLL_SECONDS = 5.0
POLL_GROWTH = 1.5
# The service answers a repeated idempotency key with the same batch for IDEMPOTENCY_KEY_HOURS
# (24 by default, docs/api.md). A chunk whose answer was lost is sent again with its key only
# while at least an hour of that is left (for the request's own time and the clocks' drift):
# later the service may have forgotten the key and store the chunk a second time.
IDEMPOTENCY_KEY_HOURS = 24
RESEND_WITHIN = timedelta(hours=IDEMPOTENCY_KEY_HOURS - 1)


class ProgressListener(Protocol):
    """What a push reports as it goes (``_progress.py`` shows it)."""

    def begin(self, plan: PushPlan, sent: int, final: int, failed: int) -> None: ...

    def sent(self, items: int) -> None: ...

    def finished(self, items: int, failed: int) -> None: ...

    def end(self) -> None: ...


@dataclass(frozen=True, slots=True)
class FailedItem:
    """An item the service did not apply: its position in the file (from 1), its batch, the
    item as sent and the reasons."""

    number: int
    batch_id: str
    item: dict[str, Any]
    errors: list[str]

    @property
    def reference(self) -> str:
        """What names the item to the seller: its SKU, else its style."""
        return str(self.item.get("sku") or self.item.get("style_key") or "")


def chunk_items(plan: PushPlan, index: int) -> int:
    return min(plan.chunk_size, plan.items - index * plan.chunk_size)


def submit(client: Client, kind: str, items: list[dict[str, Any]], key: str) -> str:
    """Submit one chunk through the SDK (which paces by the rate limit and waits out 429s)."""
    submitters = {
        "products": client.products.upsert,
        "status": client.status.update,
        "stocks": client.stocks.update,
        "prices": client.prices.update,
    }
    ref = submitters[kind](items, idempotency_key=key)  # type: ignore[operator]
    return str(ref.batch_id)


def refused(error: ValidationFailed, chunk: list[SourceItem]) -> BatchRefused:
    """What the service's 422 for a chunk says, its first violation named by the item's line."""
    where = f"items {chunk[0].number:,}-{chunk[-1].number:,}"
    if error.detail:
        location = error.detail[0].get("loc", [])
        position = location[2] if len(location) > 2 and isinstance(location[2], int) else None
        if position is not None and 0 <= position < len(chunk):
            field = ".".join(str(part) for part in location[3:])
            item = chunk[position]
            message = error.detail[0].get("msg", "")
            return BatchRefused(
                f"the service refused the batch of {where}: line {item.line}: {field}: {message}"
            )
    return BatchRefused(f"the service refused the batch of {where}: {error.message}")


class Push:
    """One push of one file with its state file; ``run`` sends what is left to send."""

    def __init__(
        self,
        client: Client,
        spec: KindSpec[Any],
        path: Path,
        source_format: SourceFormat,
        state: PushState,
        progress: ProgressListener,
        *,
        new_key: Callable[[], str] = lambda: str(uuid.uuid4()),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        resend_expired_keys: bool = False,
    ) -> None:
        self.client = client
        self.spec = spec
        self.path = path
        self.source_format = source_format
        self.state = state
        self.plan = state.plan
        self.progress = progress
        self.new_key = new_key
        self.monotonic = monotonic
        self.sleep = sleep
        self.now = now
        self.resend_expired_keys = resend_expired_keys
        self._next_poll = 0.0
        self._poll_delay = FIRST_POLL_SECONDS

    @property
    def is_final(self) -> bool:
        """Every chunk's batch is final."""
        chunks = self.state.chunks
        return all(chunks.get(index) and chunks[index].is_final for index in self._indexes())

    def run(self, *, wait: bool) -> None:
        """Submit every chunk not yet accepted; with ``wait``, poll until all are final (and
        while submitting, so the final count moves along)."""
        self.progress.begin(self.plan, *self._counts())
        try:
            self._submit_all(wait=wait)
            while wait and self._open_chunks():
                delay = self._next_poll - self.monotonic()
                if delay > 0:
                    self.sleep(delay)
                self._poll()
        finally:
            self.progress.end()

    def failures(self) -> Iterator[FailedItem]:
        """Every item not applied, chunk after chunk, read from the final batches' results."""
        for index in self._indexes():
            chunk = self.state.chunks[index]
            if chunk.failed == 0 or chunk.batch_id is None:
                continue
            result = self.client.results.get(self.plan.kind, chunk.batch_id)  # type: ignore[call-overload]
            first = index * self.plan.chunk_size + 1
            for offset, outcome in enumerate(result.items):
                if not outcome.success:
                    item = outcome.request_item.to_wire()
                    yield FailedItem(first + offset, chunk.batch_id, item, list(outcome.errors))

    def totals(self) -> tuple[int, int, int]:
        """Items sent, final and not applied, as the state file records them."""
        return self._counts()

    def _indexes(self) -> range:
        return range(self.plan.chunk_count)

    def _counts(self) -> tuple[int, int, int]:
        sent = final = failed = 0
        for index, chunk in self.state.chunks.items():
            if chunk.batch_id is not None:
                sent += chunk_items(self.plan, index)
            if chunk.is_final:
                final += chunk_items(self.plan, index)
                failed += chunk.failed
        return sent, final, failed

    def _submit_all(self, *, wait: bool) -> None:
        items: Iterator[SourceItem] = read_items(self.path, self.source_format)
        for index, chunk in enumerate(chunks(items, self.spec.name)):
            if index >= self.plan.chunk_count:
                raise PushError(f"{self.path} grew while it was pushed")
            state = self.state.chunk(index)
            if state.batch_id is not None:
                continue
            if state.key is None:  # a key recorded before a crash is sent again as it was
                self.state.record_key(index, self.new_key(), at=self.now())
            elif not self.resend_expired_keys:
                self._check_resend(index, state)
            assert state.key is not None
            try:
                batch_id = submit(self.client, self.plan.kind, [i.fields for i in chunk], state.key)
            except ValidationFailed as error:
                raise refused(error, chunk) from None
            self.state.record_batch(index, batch_id)
            self.progress.sent(len(chunk))
            if wait and self.monotonic() >= self._next_poll:
                self._poll()

    def _check_resend(self, index: int, state: ChunkState) -> None:
        """Refuse to send a chunk again with a key the service may have forgotten."""
        age = None if state.key_at is None else self.now() - state.key_at
        if age is not None and age < RESEND_WITHIN:
            return
        first = index * self.plan.chunk_size + 1
        items = f"items {first:,}-{first + chunk_items(self.plan, index) - 1:,}"
        when = "at a time not recorded" if age is None else f"{age / timedelta(hours=1):.0f} h ago"
        raise KeyExpired(
            f"{items} were sent {when} with idempotency key {state.key} and their answer was "
            f"lost; the service remembers a key for {IDEMPOTENCY_KEY_HOURS} h by default, so "
            f"sending them again could store them twice. Look for that batch among the "
            f"seller's batches; to send them anyway, run the command again with "
            f"--resend-expired-keys"
        )

    def _open_chunks(self) -> list[int]:
        chunks = self.state.chunks
        return [
            index
            for index in self._indexes()
            if index in chunks and chunks[index].batch_id is not None and not chunks[index].is_final
        ]

    def _poll(self) -> None:
        """Read the open batches oldest first, up to the first one still open (batches are
        taken up roughly in order of arrival, so the later ones are most likely open too)."""
        changed = False
        for index in self._open_chunks():
            batch_id = self.state.chunks[index].batch_id
            assert batch_id is not None
            try:
                summary = self.client.batches.get(batch_id)
            except NotFound:
                raise PushError(
                    f"the service does not know batch {batch_id} of items "
                    f"{index * self.plan.chunk_size + 1}-"
                    f"{index * self.plan.chunk_size + chunk_items(self.plan, index)} (purged "
                    f"after the retention period, or another server or seller); remove "
                    f"{self.state.path} to push the file as a new push"
                ) from None
            if not summary.is_final:
                break
            failed = summary.failed if summary.failed is not None else summary.item_count
            self.state.record_final(index, str(summary.status), summary.item_count - failed, failed)
            self.progress.finished(chunk_items(self.plan, index), failed)
            changed = True
        self._poll_delay = (
            FIRST_POLL_SECONDS
            if changed
            else min(self._poll_delay * POLL_GROWTH, LONGEST_POLL_SECONDS)
        )
        self._next_poll = self.monotonic() + self._poll_delay
