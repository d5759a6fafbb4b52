"""What a request body must also be, beyond its kind's schema (docs/api.md#transport-rules: a schema
error, 422).

- **Shallow**: a body nested deeper than ``MAX_NESTING_DEPTH`` is refused before it is parsed
  (Python's own JSON parser, used for exact prices and for the results' echo, recurses once per
  level and fails with ``RecursionError`` at about a thousand).
- **JSON**: ``NaN`` and ``Infinity`` are not JSON numbers (RFC 8259), though both parsers take
  them; in an ignored key one would be echoed into results that are then not JSON.
- **Storable**: no string of the request may hold NUL (PostgreSQL text cannot) or an unpaired
  surrogate (UTF-8 cannot encode it), whichever database is used, so a batch never fails for
  it later.

The checks work on the bytes in C-speed passes (bytes methods, regular expressions) and return
at once for the usual body; the slower exact scans run only when a cheap test says they may find
something. pydantic's JSON parser already refuses a lone surrogate; the walk over the body's
exact parse is what finds NUL (and a lone surrogate where the body was parsed exactly), in every
string and key, those the schema ignores included: they are echoed in the results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# The deepest body the schemas describe is 7 levels (items, an item, material clusters, their
# components); unknown keys are ignored but still parsed, so some room is left for them.
MAX_NESTING_DEPTH = 32

_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'  # a JSON string, escapes included, in linear time
STRING_OR_NOT_A_NUMBER = re.compile(_STRING + rb"|(NaN|Infinity)", re.DOTALL)
SIMPLE_STRINGS = re.compile(rb'"[^"]*"')  # once escapes are gone
NOT_BRACKETS_OR_QUOTES = bytes(byte for byte in range(256) if byte not in b'[]{}"')
CURLY_TO_SQUARE = bytes.maketrans(b"{}", b"[]")
EMPTY_PAIR = re.compile(rb"\[\]")
# ``\u0000`` or a surrogate escape (``\ud800``-``\udfff``): the only ways a body can carry
# either character, since raw control characters and invalid UTF-8 are not JSON.
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def exact_json(body: bytes) -> Any:
    """The body's JSON with every number that has a fraction as an exact Decimal (raises
    ValueError when it is not JSON)."""
    return json.loads(body, parse_float=Decimal)


def items_of(document: bytes | Any) -> list[Any]:
    """The ``items`` of a request body (bytes, parsed here exactly) or of its exact parse;
    empty when there is no such list."""
    if isinstance(document, bytes):
        document = exact_json(document)
    items = document.get("items") if isinstance(document, dict) else None
    return items if isinstance(items, list) else []


def check_nesting(body: bytes, title: str) -> None:
    """Raise pydantic's ValidationError when ``body`` nests deeper than MAX_NESTING_DEPTH."""
    brackets = brackets_outside_strings(body)
    # No deeper than it has brackets outside strings. (Counting every bracket of the body first,
    # to skip this for small bodies, cost a quarter of the check on every 100-item batch,
    # 0.17 of 0.67 ms, measured, and never skipped it there.)
    if len(brackets) <= MAX_NESTING_DEPTH:
        return
    # Each pass removes the innermost level of every balanced group (a pair with nothing
    # left between); what is still there after MAX_NESTING_DEPTH passes was deeper, or never
    # closed.
    for _ in range(MAX_NESTING_DEPTH):
        brackets, removed = EMPTY_PAIR.subn(b"", brackets)
        if not brackets:
            return
        if not removed:
            break
    else:
        if EMPTY_PAIR.search(brackets):  # a group deeper than the limit
            raise _error(title, _too_deep(), body)
    # Only unmatched brackets are left, closing ones first (``]][[[``); those opened and never
    # closed nest whatever followed them, so the body is at most their number plus
    # MAX_NESTING_DEPTH deep, which both parsers handle.
    unclosed = len(brackets.lstrip(b"]"))
    if unclosed > MAX_NESTING_DEPTH:
        raise _error(title, _too_deep(), body)


def brackets_outside_strings(body: bytes) -> bytes:
    """The body's brackets that are not in a string, all written ``[`` and ``]``.

    In C-speed passes (a regular expression over every string of a 100-item batch cost half a
    millisecond, as much as validating it): escaped backslashes and quotes go first, then
    everything but brackets and quotes; two adjacent quotes then enclose no bracket (an empty
    string, or the gap between two strings), so they go at once, and the few strings left are
    those holding a bracket."""
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    quoted = body.translate(None, NOT_BRACKETS_OR_QUOTES).replace(b'""', b"")
    return SIMPLE_STRINGS.sub(b"", quoted).translate(CURLY_TO_SQUARE)


def check_numbers(body: bytes, title: str) -> None:
    """Raise pydantic's ValidationError when ``body`` holds a bare NaN or Infinity."""
    if b"NaN" not in body and b"Infinity" not in body:
        return
    for found in STRING_OR_NOT_A_NUMBER.finditer(body):
        if found.group(1) is not None:
            where = _position(body, found.start(1))
            problem = f"{found.group(1).decode()} is not a JSON number at {where}"
            raise _error(
                title,
                PydanticCustomError("json_invalid", "Invalid JSON: {error}", {"error": problem}),
                body,
            )


def _position(body: bytes, offset: int) -> str:
    """Where ``offset`` is, as the JSON parser's own errors say it (columns count bytes here)."""
    line = body.count(b"\n", 0, offset) + 1
    column = offset - body.rfind(b"\n", 0, offset)
    return f"line {line} column {column}"


def check_strings(body: bytes, title: str, document: Any = None) -> None:
    """Raise pydantic's ValidationError naming every string of the body that holds NUL or an
    unpaired surrogate, in keys the schema ignores too. ``document`` is the body's exact parse
    when the caller has it already."""
    if not UNSTORABLE_ESCAPE.search(body):
        return
    if document is None:
        document = exact_json(body)
    errors = [
        InitErrorDetails(type=unstorable(character), loc=loc, input=text)
        for loc, text, character in _unstorable(document, ())
    ]
    if errors:
        raise ValidationError.from_exception_data(title, errors)


def first_unstorable(text: str) -> str | None:
    """The first character of ``text`` that no database of the service can store, if any."""
    found = UNSTORABLE.search(text)
    return None if found is None else found.group()


def unstorable(character: str) -> PydanticCustomError:
    """The error for a string holding ``character`` (NUL or an unpaired surrogate)."""
    if character == "\x00":
        described = "NUL (\\u0000)"
    else:
        described = f"an unpaired surrogate (\\u{ord(character):04x})"
    return PydanticCustomError(
        "string_unstorable",
        "String must not contain {character}: it cannot be stored",
        {"character": described},
    )


def _unstorable(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[Any, str, str]]:
    if isinstance(value, str):
        character = first_unstorable(value)
        if character is not None:
            yield loc, value, character
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(key, (*loc, key))
            yield from _unstorable(item, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unstorable(item, (*loc, index))


def _too_deep() -> PydanticCustomError:
    return PydanticCustomError(
        "json_too_deep",
        "JSON nested more than {max_depth} levels deep",
        {"max_depth": MAX_NESTING_DEPTH},
    )


def _error(title: str, error: PydanticCustomError, body: bytes) -> ValidationError:
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=(), input=body)]
    )
