"""Refuses requests the service cannot read as sent, before anything else looks at them.

- A body with a ``Content-Encoding`` other than ``identity`` gets 415 ``{"message"}``: bodies
  are read as they arrive (the size limit counts those bytes), so a compressed one would be
  parsed as JSON and fail, or be inflated past the limit if it were decoded.
- A URL whose percent-escapes are not UTF-8 (``%FC``, a lone surrogate ``%ED%A0%80``) or hold
  NUL (``%00``) gets 422 naming the query parameter or the path: the server would otherwise turn
  the bytes into U+FFFD and search for that, and PostgreSQL cannot compare a NUL at all.

Like the body size limit, these are answered before authentication: the request is malformed
whoever sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from sellers_center.engine.payload import first_unstorable, unstorable
from sellers_center.http.errors import validation_response
from sellers_center.http.responses import message

IDENTITY = "identity"
NOT_UTF8 = {
    "type": "string_unicode",
    "msg": "Input should be percent-encoded UTF-8 text",
}


def unsupported_encoding(encoding: str) -> str:
    return (
        f"Content-Encoding {encoding} is not supported: send the body uncompressed "
        f"(Content-Encoding: {IDENTITY}, or none)"
    )


class RequestEncodingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = _content_encoding(scope)
        if encoding not in ("", IDENTITY):
            await message(415, unsupported_encoding(encoding))(scope, receive, send)
            return
        errors = [*_path_errors(scope), *_query_errors(scope["query_string"])]
        if errors:
            await validation_response(errors)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _content_encoding(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-encoding":
            return str(value.decode("latin-1").strip().lower())
    return ""


def _path_errors(scope: Scope) -> list[dict[str, Any]]:
    raw = scope.get("raw_path")
    if raw is None:  # the server decoded it alone; only NUL can still be found
        return _text_errors(scope["path"], ("path",))
    return _escaped_errors(raw.decode("latin-1"), ("path",), unquote_to_bytes)


def _query_errors(query: bytes) -> list[dict[str, Any]]:
    errors = []
    for pair in query.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        name_errors = _escaped_errors(name, ("query",), _unquote_form)
        if name_errors:
            errors += name_errors
        else:
            loc = ("query", _unquote_form(name).decode("utf-8"))
            errors += _escaped_errors(value, loc, _unquote_form)
    return errors


def _escaped_errors(
    escaped: str, loc: tuple[str, ...], unquote: Callable[[str], bytes]
) -> list[dict[str, Any]]:
    """The error of one percent-encoded part of the URL, if it has one."""
    try:
        text = unquote(escaped).decode("utf-8")
    except UnicodeDecodeError:
        return [{**NOT_UTF8, "loc": loc}]
    return _text_errors(text, loc)


def _text_errors(text: str, loc: tuple[str, ...]) -> list[dict[str, Any]]:
    character = first_unstorable(text)
    if character is None:
        return []
    error = unstorable(character)
    return [{"type": error.type, "loc": loc, "msg": error.message(), "ctx": error.context}]


def _unquote_form(escaped: str) -> bytes:
    """A query string's part as bytes (``+`` is a space there, as starlette reads it)."""
    return unquote_to_bytes(escaped.replace("+", " "))
