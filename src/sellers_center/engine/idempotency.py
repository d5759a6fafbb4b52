"""What an ``Idempotency-Key`` is (docs/api.md#idempotency-keys), after the IETF httpapi draft
"The Idempotency-Key HTTP Header Field": reading the header, and the texts of its refusals.

The draft makes the field a Structured Field string, sent quoted (``"8e03978e-..."``); most
clients send the key bare. Both are taken and name the same key. A key is 1 to 255 printable
ASCII characters (what a Structured Field string may hold), one per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PRINTABLE = frozenset(chr(code) for code in range(0x20, 0x7F))


class InvalidKeyError(ValueError):
    """The header does not hold one usable key; the message says why."""


@dataclass(frozen=True, slots=True)
class KeyUse:
    """A submission's key and how long it keeps answering with the same batch."""

    key: str
    window_hours: float


def read_key(values: Sequence[str]) -> str | None:
    """The key of a request from its ``Idempotency-Key`` field values (None without one);
    raises InvalidKeyError."""
    if not values:
        return None
    if len(values) > 1:
        raise InvalidKeyError(f"{HEADER} is given {len(values)} times: send one key per request")
    value = values[0].strip(" \t")
    key = _unquoted(value) if value.startswith('"') else value
    if not key:
        raise InvalidKeyError(f"{HEADER} is empty: send 1 to {MAX_KEY_LENGTH} characters")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"{HEADER} has {len(key)} characters: send at most {MAX_KEY_LENGTH}")
    if not PRINTABLE.issuperset(key):
        raise InvalidKeyError(
            f"{HEADER} may hold printable ASCII characters only (letters, digits, "
            "punctuation, spaces), e.g. a UUID"
        )
    return key


def _unquoted(value: str) -> str:
    """A Structured Field string's content: between quotes, with ``\\"`` and ``\\\\`` escapes."""
    if len(value) < 2 or not value.endswith('"'):
        raise InvalidKeyError(f"{HEADER} opens a quoted string it does not close")
    characters = []
    escaped = False
    for character in value[1:-1]:
        if escaped:
            if character not in '"\\':
                raise InvalidKeyError(f'{HEADER} escapes a character other than \\ or "')
            characters.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == '"':
            raise InvalidKeyError(f"{HEADER} holds an unescaped quote inside its quoted string")
        else:
            characters.append(character)
    if escaped:
        raise InvalidKeyError(f"{HEADER} ends its quoted string with a lone backslash")
    return "".join(characters)


def used_with_another_body(window_hours: float) -> str:
    return (
        f"This {HEADER} was used for another request (with another body) within the last "
        f"{window_hours:g} hours; send a new request with a new key"
    )


def used_on_another_endpoint(window_hours: float) -> str:
    return (
        f"This {HEADER} was used for another request (on another endpoint) within the last "
        f"{window_hours:g} hours; send a new request with a new key"
    )
