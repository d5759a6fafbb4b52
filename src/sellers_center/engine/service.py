"""The engine's verbs: submit a batch, read its result, and the steps a worker takes.

Sessions come from the caller (the HTTP request, the worker's job runner), which commits.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import repository
from sellers_center.engine.kind import ItemOutcome
from sellers_center.engine.status import RequestStatus
from sellers_center.errors import NotFoundError
from sellers_center.ids import new_batch_id
from sellers_center.telemetry.metrics import QueueState

# A duplicate can turn final between our insert and our lookup; then we insert again.
SUBMIT_ATTEMPTS = 3

BATCH_NOT_FOUND = "Batch request not found"


@dataclass(frozen=True, slots=True)
class Submission:
    batch_id: uuid.UUID
    is_new: bool
    """False when an identical payload of the seller was still open and is answered instead."""


@dataclass(frozen=True, slots=True)
class BatchResultView:
    """What ``GET /results/<kind>`` answers: the status and, once final, the stored items."""

    batch_id: uuid.UUID
    status: RequestStatus
    items_json: bytes

    def to_json(self) -> bytes:
        head = f'{{"batchRequestId":"{self.batch_id}","status":"{self.status}","items":'
        return head.encode() + self.items_json + b"}"


async def submit(
    session: AsyncSession,
    *,
    kind: str,
    seller_id: int,
    body: bytes,
    item_count: int,
    now: datetime,
) -> Submission:
    """Store a schema-checked batch durably; an open identical one from the seller is reused."""
    dedup_key = hashlib.sha256(body).hexdigest()
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
    session: AsyncSession, *, kind: str, seller_id: int, batch_id: uuid.UUID
) -> BatchResultView:
    found = await repository.find_batch(session, batch_id=batch_id, seller_id=seller_id, kind=kind)
    if found is None:
        raise NotFoundError(BATCH_NOT_FOUND)
    status, items = found
    return BatchResultView(batch_id, status, items if status.is_final and items else b"[]")


async def queue_states(session: AsyncSession) -> list[QueueState]:
    """Open batches per kind and status, with the oldest one's arrival (for ``/metrics``)."""
    return await repository.queue_states(session)


def encode_results(items: Sequence[Any], outcomes: Sequence[ItemOutcome]) -> bytes:
    if len(items) != len(outcomes):
        raise ValueError(f"{len(outcomes)} outcomes for {len(items)} items")
    entries = [
        {
            "requestItem": item,
            "success": outcome.success,
            "errors": list(outcome.errors),
        }
        for item, outcome in zip(items, outcomes, strict=True)
    ]
    return _dump(entries)


def encode_failure(items: Sequence[Any], reason: str) -> bytes:
    return _dump([{"requestItem": item, "success": False, "errors": [reason]} for item in items])


def _dump(value: Any) -> bytes:
    """JSON with each Decimal written back as the number it was read from.

    The standard encoder cannot emit a raw number, so a Decimal goes out as a string wrapped
    in a random token (unguessable, so no client text can imitate it), then one pass unwraps
    the tokens: C-speed encoding, exact numbers."""
    token = uuid.uuid4().hex

    def exact(number: object) -> str:
        if isinstance(number, Decimal):
            return f"{token}{number}{token}"
        raise TypeError(f"cannot encode {type(number).__name__} as JSON")

    # ASCII escapes: any string the request held (even a lone surrogate) encodes.
    text = json.dumps(value, separators=(",", ":"), default=exact)
    return re.sub(f'"{token}(.*?){token}"', r"\1", text).encode()


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


def items_body(items: Sequence[Any]) -> bytes:
    """A request body holding ``items`` (as ``payload.items_of`` read them, numbers exact)."""
    return b'{"items":' + _dump(list(items)) + b"}"


def invalid_payload(error: ValidationError) -> str:
    """A stored payload the kind's schema no longer accepts: where and why, without pydantic's
    model names, input echoes and links."""
    problems = [
        f"{'.'.join(str(part) for part in entry['loc'])}: {entry['msg']}"
        for entry in error.errors(include_url=False, include_input=False)
    ]
    return f"Invalid payload: {'; '.join(problems)}"
