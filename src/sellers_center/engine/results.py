"""A batch's results: encoded once when it becomes final, with their counts, and a selection of
them (a page, only the failures) cut out of the stored bytes without re-encoding anything
(docs/api.md#results).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sellers_center.engine.kind import ItemOutcome

# What may stand between two items of a JSON array.
SEPARATORS = frozenset(" \t\r\n,")


@dataclass(frozen=True, slots=True)
class EncodedResults:
    """The ``items`` array stored for a final batch, and how many items succeeded and failed
    (kept on the batch, so that listing batches never reads results)."""

    items: bytes
    succeeded: int
    failed: int

    @property
    def counts(self) -> tuple[int, int]:
        return self.succeeded, self.failed


def encode_results(items: Sequence[Any], outcomes: Sequence[ItemOutcome]) -> EncodedResults:
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
    succeeded = sum(outcome.success for outcome in outcomes)
    return EncodedResults(_dump(entries), succeeded, len(outcomes) - succeeded)


def encode_failure(items: Sequence[Any], reason: str) -> EncodedResults:
    entries = [{"requestItem": item, "success": False, "errors": [reason]} for item in items]
    return EncodedResults(_dump(entries), 0, len(entries))


def items_body(items: Sequence[Any]) -> bytes:
    """A request body holding ``items`` (as ``payload.items_of`` read them, numbers exact)."""
    return b'{"items":' + _dump(list(items)) + b"}"


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

    # ASCII escapes: any string the request held (even a lone surrogate) encodes. The token
    # stands only around the numbers, so unwrapping is two plain replacements (a regular
    # expression's substitution cost 2.5 ms of a 100-item batch, measured).
    text = json.dumps(value, separators=(",", ":"), default=exact)
    return text.replace(f'"{token}', "").replace(f'{token}"', "").encode()


@dataclass(frozen=True, slots=True)
class Selection:
    """Some of a batch's stored result items, as a JSON array, and how many matched in all."""

    items: bytes
    total: int


def select_items(
    stored: bytes, *, only_failed: bool, offset: int = 0, limit: int | None = None
) -> Selection:
    """The stored items that match (all, or only the failed ones), ``limit`` of them from
    ``offset`` on. Each item is sent as the bytes stored for it: decoding an item only finds
    where it ends and whether it succeeded, so every number and escape stays as it was."""
    text = stored.decode()
    decoder = json.JSONDecoder()
    kept: list[str] = []
    total = 0
    position = _skip_separators(text, text.index("[") + 1)
    while text[position] != "]":
        item, end = decoder.raw_decode(text, position)
        if not (only_failed and item.get("success")):
            if total >= offset and (limit is None or len(kept) < limit):
                kept.append(text[position:end])
            total += 1
        position = _skip_separators(text, end)
    return Selection(f"[{','.join(kept)}]".encode(), total)


def _skip_separators(text: str, position: int) -> int:
    while text[position] in SEPARATORS:
        position += 1
    return position
