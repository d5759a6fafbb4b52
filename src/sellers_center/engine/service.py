"""The engine's verbs: submit a batch, read its results, list a seller's batches, and the texts
sellers read.

Sessions come from the caller (the HTTP request, the worker's job runner), which commits.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import idempotency, repository
from sellers_center.engine.idempotency import KeyUse

# The listing's values, given on to the router (routers import no repository).
from sellers_center.engine.repository import BatchFilter as BatchFilter
from sellers_center.engine.repository import BatchSummary as BatchSummary
from sellers_center.engine.repository import ListPosition as ListPosition
from sellers_center.engine.result_cache import ResultCache
from sellers_center.engine.results import select_items
from sellers_center.engine.status import RequestStatus
from sellers_center.errors import DomainError, NotFoundError
from sellers_center.ids import new_batch_id
from sellers_center.telemetry.metrics import QueueState

# A duplicate can turn final between our insert and our lookup; then we insert again.
SUBMIT_ATTEMPTS = 3

BATCH_NOT_FOUND = "Batch request not found"


INVALID_CURSOR = "not a cursor this listing gave: pass a page's next_cursor as it came"


class IdempotencyKeyReusedError(DomainError):
    """An idempotency key the seller used for another request, still in its window."""


@dataclass(frozen=True, slots=True)
class Submission:
    batch_id: uuid.UUID
    is_new: bool
    """False when an identical payload of the seller was still open and is answered instead."""
    is_replay: bool = False
    """True when the request's idempotency key answered with the batch it stands for."""


@dataclass(frozen=True, slots=True)
class ResultSelection:
    """Which of a batch's result items to answer with: only the failed ones, and a page."""

    only_failed: bool = False
    offset: int = 0
    limit: int | None = None


# A results answer ends with this, after its items (and its pagination).
TAIL = b"}"


def _head(batch_id: uuid.UUID, status: RequestStatus) -> bytes:
    """What a results answer starts with, up to its items."""
    return f'{{"batchRequestId":"{batch_id}","status":"{status}","items":'.encode()


@dataclass(frozen=True, slots=True)
class BatchResultView:
    """What ``GET /results/<kind>`` answers: the status and, once final, the stored items (or a
    selection of them, with ``total``, the number that matched)."""

    batch_id: uuid.UUID
    status: RequestStatus
    items_json: bytes
    total: int | None = None
    unpaged: bytes | None = dataclasses.field(default=None, compare=False, repr=False)
    """``to_json()`` when already made (kept with the batch's results in the result cache)."""

    def to_json(self, pagination: bytes | None = None) -> bytes:
        if pagination is None:
            if self.unpaged is not None:
                return self.unpaged
            return b"".join((_head(self.batch_id, self.status), self.items_json, TAIL))
        return b"".join(
            (
                _head(self.batch_id, self.status),
                self.items_json,
                b',"pagination":',
                pagination,
                TAIL,
            )
        )


@dataclass(frozen=True, slots=True)
class BatchesPage:
    items: list[BatchSummary]
    next_cursor: str | None


async def submit(
    session: AsyncSession,
    *,
    kind: str,
    seller_id: int,
    body: bytes,
    item_count: int,
    now: datetime,
    key: KeyUse | None = None,
) -> Submission:
    """Store a schema-checked batch durably; an open identical one from the seller is reused.

    With an idempotency ``key``, the key is claimed first: a key the seller used in its window
    answers with its batch when the body and the kind are the same (final or not) and raises
    IdempotencyKeyReusedError otherwise, storing nothing."""
    request_hash = hashlib.sha256(body).hexdigest()
    if key is None:
        return await _store(session, kind, seller_id, body, request_hash, item_count, now)
    for _ in range(SUBMIT_ATTEMPTS):
        claimed = await repository.claim_key(
            session,
            seller_id=seller_id,
            key=key.key,
            kind=kind,
            request_hash=request_hash,
            now=now,
            expires_at=now + timedelta(hours=key.window_hours),
        )
        if claimed:
            submission = await _store(session, kind, seller_id, body, request_hash, item_count, now)
            await repository.bind_key(
                session, seller_id=seller_id, key=key.key, batch_id=submission.batch_id
            )
            return submission
        stored = await repository.find_key(session, seller_id=seller_id, key=key.key)
        if stored is None or stored.batch_id is None:
            continue  # deleted since the claim was refused: claim it again
        if stored.kind != kind:
            raise IdempotencyKeyReusedError(idempotency.used_on_another_endpoint(key.window_hours))
        if stored.request_hash != request_hash:
            raise IdempotencyKeyReusedError(idempotency.used_with_another_body(key.window_hours))
        return Submission(stored.batch_id, is_new=False, is_replay=True)
    raise RuntimeError("could not store the batch: its idempotency key kept changing")


async def _store(
    session: AsyncSession,
    kind: str,
    seller_id: int,
    body: bytes,
    dedup_key: str,
    item_count: int,
    now: datetime,
) -> Submission:
    for _ in range(SUBMIT_ATTEMPTS):
        batch_id = new_batch_id()
        inserted = await repository.insert_batch(
            session,
            batch_id=batch_id,
            seller_id=seller_id,
            kind=kind,
            dedup_key=dedup_key,
            item_count=item_count,
            body=body,
            now=now,
        )
        if inserted:
            return Submission(batch_id, is_new=True)
        existing = await repository.find_open_duplicate(
            session, seller_id=seller_id, kind=kind, dedup_key=dedup_key
        )
        if existing is not None:
            return Submission(existing, is_new=False)
    raise RuntimeError("could not store the batch: its duplicate kept changing state")


async def read_result(
    session: AsyncSession,
    *,
    kind: str,
    seller_id: int,
    batch_id: uuid.UUID,
    selection: ResultSelection | None = None,
    cache: ResultCache | None = None,
) -> BatchResultView:
    """A batch's results: all of them as stored, or the ``selection`` of them (a page, only
    the failures) with the number that matched in all. A final batch's results are kept in
    ``cache`` when one is given (``cached_result`` reads them back)."""
    found = await repository.find_batch(session, batch_id=batch_id, seller_id=seller_id, kind=kind)
    if found is None:
        raise NotFoundError(BATCH_NOT_FOUND)
    status = found.status
    stored = found.items if status.is_final and found.items else b"[]"
    if cache is not None and status.is_final and found.finished_at is not None:
        entry = cache.put(
            (seller_id, kind, batch_id),
            status,
            stored,
            found.finished_at,
            head=_head(batch_id, status),
            tail=TAIL,
        )
        if entry is not None and selection is None:
            return BatchResultView(batch_id, status, stored, unpaged=entry.body)
    return _view(batch_id, status, stored, selection)


def cached_result(
    cache: ResultCache,
    *,
    kind: str,
    seller_id: int,
    batch_id: uuid.UUID,
    now: datetime,
    selection: ResultSelection | None = None,
) -> BatchResultView | None:
    """What ``read_result`` answers, from ``cache``; None when the database must be read."""
    found = cache.get((seller_id, kind, batch_id), now)
    if found is None:
        return None
    if selection is None:
        return BatchResultView(batch_id, found.status, found.items, unpaged=found.body)
    return _view(batch_id, found.status, found.items, selection)


def cached_answer(
    cache: ResultCache, *, kind: str, seller_id: int, batch_id: uuid.UUID, now: datetime
) -> bytes | None:
    """``cached_result(...).to_json()`` of an unpaged read, the bytes kept in ``cache`` (no
    copy of the items is made); None when the database must be read."""
    found = cache.get((seller_id, kind, batch_id), now)
    return None if found is None else found.body


def _view(
    batch_id: uuid.UUID, status: RequestStatus, stored: bytes, selection: ResultSelection | None
) -> BatchResultView:
    if selection is None:
        return BatchResultView(batch_id, status, stored)
    chosen = select_items(
        stored, only_failed=selection.only_failed, offset=selection.offset, limit=selection.limit
    )
    return BatchResultView(batch_id, status, chosen.items, chosen.total)


async def list_batches(
    session: AsyncSession,
    *,
    seller_id: int,
    filters: BatchFilter,
    after: ListPosition | None,
    per_page: int,
) -> BatchesPage:
    """A page of the seller's batches, newest first, after ``after`` (a previous page's
    ``next_cursor``, decoded)."""
    rows = await repository.list_batches(
        session, seller_id=seller_id, filters=filters, after=after, limit=per_page + 1
    )
    page = rows[:per_page]
    next_cursor = encode_cursor(page[-1]) if len(rows) > per_page else None
    return BatchesPage(page, next_cursor)


async def get_batch(session: AsyncSession, *, seller_id: int, batch_id: uuid.UUID) -> BatchSummary:
    found = await repository.find_summary(session, seller_id=seller_id, batch_id=batch_id)
    if found is None:
        raise NotFoundError(BATCH_NOT_FOUND)
    return found


def encode_cursor(last: BatchSummary) -> str:
    """Opaque to clients: where the page ended, as URL-safe text."""
    text = f"{last.created_at.isoformat()}|{last.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> ListPosition:
    """The position a cursor stands for; raises ValueError (INVALID_CURSOR) for any text this
    service did not give."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        created_at, batch_id = text.split("|")
        position = ListPosition(datetime.fromisoformat(created_at), uuid.UUID(batch_id))
    except ValueError:  # binascii.Error and UnicodeError are ValueErrors too
        raise ValueError(INVALID_CURSOR) from None
    if position.created_at.tzinfo is None:
        raise ValueError(INVALID_CURSOR)
    return position


async def queue_states(session: AsyncSession) -> list[QueueState]:
    """Open batches per kind and status, with the oldest one's arrival (for ``/metrics``)."""
    return await repository.queue_states(session)


# Item errors and failure texts a seller reads: plain words only, never an exception's text
# (a driver's carries the SQL, its parameters and internal ids; it goes to the log instead).


def failure_reason(attempts: int, reason: str) -> str:
    """Every item's error in a batch that ran out of attempts; ``reason`` is seller-safe."""
    return (
        f"The batch could not be processed after {attempts} attempts "
        f"(last error: {reason}); submit it again"
    )


def item_not_applied() -> str:
    return (
        "The item could not be applied because of an unexpected error, which we have logged; "
        "the other items of the batch were processed. Check the item's values and submit it "
        "again, or contact the marketplace with the batch id if it keeps failing"
    )


def item_schema_errors(error: ValidationError) -> dict[int, list[str]] | None:
    """The item errors of a stored payload the schema refuses, by item position; None when an
    error is not about one item (the payload is refused as a whole)."""
    refused: dict[int, list[str]] = {}
    for entry in error.errors(include_url=False, include_input=False):
        location = entry["loc"]
        if len(location) < 2 or location[0] != "items" or not isinstance(location[1], int):
            return None
        field = ".".join(str(part) for part in location[2:])
        refused.setdefault(location[1], []).append(invalid_item(field, entry["msg"]))
    return refused


def invalid_item(field: str, problem: str) -> str:
    return f"Invalid item: {field}: {problem}" if field else f"Invalid item: {problem}"


def invalid_payload(error: ValidationError) -> str:
    """A stored payload the kind's schema no longer accepts: where and why, without pydantic's
    model names, input echoes and links."""
    problems = [
        f"{'.'.join(str(part) for part in entry['loc'])}: {entry['msg']}"
        for entry in error.errors(include_url=False, include_input=False)
    ]
    return f"Invalid payload: {'; '.join(problems)}"
