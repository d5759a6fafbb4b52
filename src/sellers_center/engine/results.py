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


@dataclass(frozen=True, slots=True)
class EchoedItems:
    """A batch's result items encoded but for their outcomes. Encoding the echo of the items
    is most of the work of the results, and needs nothing the transaction decides: done
    before it (outside SQLite's write lock: 2.5-3 ms of a 100-item products batch's turn),
    the outcomes are then spliced in between the parts, with the same bytes as one encoding
    of the whole."""

    parts: tuple[str, ...]
    """One more than the items: the text before the first item's outcome, between each
    outcome and the next, and after the last."""

    @classmethod
    def of(cls, items: Sequence[Any]) -> EchoedItems:
        # The outcome's place is a random token (no client text can imitate it), as in
        # ``_dump``; splitting on it leaves the parts around every item's outcome.
        token = uuid.uuid4().hex
        text = _dump_text([{"requestItem": item, "success": token} for item in items])
        parts = tuple(text.split(f'"success":"{token}"}}'))
        if len(parts) != len(items) + 1:
            raise ValueError(f"{len(parts) - 1} outcome places for {len(items)} items")
        return cls(parts)

    def with_outcomes(self, outcomes: Sequence[ItemOutcome]) -> EncodedResults:
        if len(outcomes) != len(self.parts) - 1:
            raise ValueError(f"{len(outcomes)} outcomes for {len(self.parts) - 1} items")
        pieces = [self.parts[0]]
        for outcome, after in zip(outcomes, self.parts[1:], strict=True):
            pieces.append(SUCCEEDED if outcome.success else _failed(outcome.errors))
            pieces.append(after)
        succeeded = sum(outcome.success for outcome in outcomes)
        return EncodedResults("".join(pieces).encode(), succeeded, len(outcomes) - succeeded)


# An item's outcome as ``_dump`` writes it, the end of its entry included.
SUCCEEDED = '"success":true,"errors":[]}'


def _failed(errors: Sequence[str]) -> str:
    return '"success":false,"errors":' + json.dumps(list(errors), separators=(",", ":")) + "}"


def encode_failure(items: Sequence[Any], reason: str) -> EncodedResults:
    entries = [{"requestItem": item, "success": False, "errors": [reason]} for item in items]
    return EncodedResults(_dump(entries), 0, len(entries))


def items_body(items: Sequence[Any]) -> bytes:
    """A request body holding ``items`` (as ``payload.items_of`` read them, numbers exact)."""
    return b'{"items":' + _dump(list(items)) + b"}"


def _dump(value: Any) -> bytes:
    return _dump_text(value).encode()


def _dump_text(value: Any) -> str:
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
    return text.replace(f'"{token}', "").replace(f'{token}"', "")


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
