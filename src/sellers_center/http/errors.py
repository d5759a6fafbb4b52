"""One renderer for every error: each body carries ``message``; 422 also carries ``detail``."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Match

from sellers_center.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
)
from sellers_center.http.responses import JSONResponse, message

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal server error"
DATABASE_UNAVAILABLE = "The service cannot reach its database; retry in a moment"
CLIENT_DISCONNECTED = "The client disconnected before sending the whole request body"
# PostgreSQL error classes that say "not now" rather than "wrong": 08 connection exceptions,
# 57 operator intervention (shutting down, starting up, statement timeout).
UNAVAILABLE_SQLSTATES = ("08", "57")
DATABASE_MODULES = ("asyncpg", "aiosqlite", "sqlalchemy")
# Seconds a client is asked to wait when the database is unavailable (a restart takes a few).
DATABASE_RETRY_AFTER_SECONDS = 2

# How many validation errors the one-line ``message`` spells out before summarising the rest.
MESSAGE_ERRORS_SHOWN = 3

STATUS_OF: dict[type[DomainError], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidInputError: 400,
}


class ApiError(Exception):
    """An HTTP-level refusal raised by the transport layer itself (auth, limits, body size)."""

    def __init__(self, status_code: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status_code = status_code
        self.message = text
        self.headers = headers


def body_errors(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors for a request body, located under ``body`` as FastAPI reports them."""
    return [{**entry, "loc": ("body", *entry["loc"])} for entry in error.errors(include_url=False)]


def summarise(errors: Sequence[dict[str, Any]]) -> str:
    parts = [f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in errors]
    shown = "; ".join(parts[:MESSAGE_ERRORS_SHOWN])
    hidden = len(parts) - MESSAGE_ERRORS_SHOWN
    suffix = f" (and {hidden} more)" if hidden > 0 else ""
    return f"Invalid request: {shown}{suffix}"


def validation_response(errors: Sequence[dict[str, Any]]) -> JSONResponse:
    """422 ``{"detail", "message"}``; every entry made representable (see ``public_entry``)."""
    detail = [public_entry(entry) for entry in errors]
    return JSONResponse({"detail": detail, "message": summarise(detail)}, status_code=422)


def public_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One ``detail`` entry as a seller sees it: ``type``, ``loc``, ``msg``, ``ctx``, and the
    ``input`` only when it is a short scalar. pydantic's ``input`` can be the whole body (10 MB,
    or bytes that are not UTF-8), a NaN or a string with a lone surrogate: none of that can be
    written as JSON text, and a seller already has what it sent."""
    public = {
        "type": entry["type"],
        "loc": [part if isinstance(part, int) else _cut(_text(str(part))) for part in entry["loc"]],
        "msg": _text(str(entry["msg"])),
    }
    if "input" in entry and _is_echoable(entry["input"]):
        public["input"] = entry["input"]
    if entry.get("ctx"):
        public["ctx"] = {key: _scalar(item) for key, item in entry["ctx"].items()}
    return public


# An input, a key of the seller's (in ``loc``) or a ``ctx`` text longer than this is left out
# or cut: a 422 names what is wrong, it does not send megabytes of the request back.
ECHO_LIMIT = 120


def _text(text: str) -> str:
    """``text`` as valid UTF-8: a lone surrogate is written as its escape, ``\\ud800``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _cut(text: str) -> str:
    return text if len(text) <= ECHO_LIMIT else f"{text[: ECHO_LIMIT - 1]}…"


def _is_echoable(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= ECHO_LIMIT and _text(value) == value
    if isinstance(value, bool | int):
        return value.bit_length() <= 64  # str() of a huge int raises; a 64-bit one is short
    return value is None


def _scalar(value: Any) -> Any:
    """A ``ctx`` value as JSON can hold it (bounds, patterns, the parser's error text)."""
    if isinstance(value, bool | int) or value is None:
        return value if _is_echoable(value) else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _cut(_text(str(value)))


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return validation_response(list(error.errors()))


async def _domain_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    status = next((code for cls, code in STATUS_OF.items() if isinstance(error, cls)), 400)
    return message(status, error.message)


async def _api_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return message(error.status_code, error.message, error.headers)


# FastAPI's refusal of a JSON body it could not even decode (bytes that are not UTF-8): a body
# that breaks the schema like any other, so a 422 as for invalid JSON, not FastAPI's 400.
UNPARSEABLE_BODY = "There was an error parsing the body"
NOT_JSON = {
    "type": "json_invalid",
    "loc": ("body",),
    "msg": "The body is not JSON text in UTF-8",
}


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    text = error.detail if isinstance(error.detail, str) else str(error.detail)
    if error.status_code == 400 and text == UNPARSEABLE_BODY:
        return validation_response([NOT_JSON])
    headers = dict(error.headers or {})
    if error.status_code == 404 and text == "Not Found":
        text = f"Not found: {request.method} {request.url.path}"
    elif error.status_code == 405:
        allowed = ", ".join(allowed_methods(request))
        text = f"Method {request.method} is not allowed on {request.url.path} (allowed: {allowed})"
        headers["Allow"] = allowed
    return message(error.status_code, text, headers)


# The methods a 405 looks for on its path.
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on the request's path. The router answers 405 with the
    methods of the first route whose path matched (``DELETE`` of ``/products/{sku}`` for
    ``/products/stocks``), not of all of them, so each method is asked of every route."""
    # A fresh scope: the request's own carries what matching it the first time left there.
    scope = {key: request.scope[key] for key in ("type", "path", "headers", "query_string")}
    scope["root_path"] = request.scope.get("root_path", "")
    return [
        method
        for method in METHODS
        if any(
            route.matches({**scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


async def _client_disconnect(request: Request, error: Exception) -> Response:
    """The caller went away before its body was complete: its doing, not a fault here, and
    nobody reads the answer (which the access log still records)."""
    assert isinstance(error, ClientDisconnect)
    log.info(
        "client disconnected before sending the whole body of %s %s",
        request.method,
        request.url.path,
    )
    return message(400, CLIENT_DISCONNECTED)


async def _database_error(_: Request, error: Exception) -> Response:
    """503 with ``Retry-After`` while the database is unreachable or too slow, 500 otherwise;
    never a hang and never an unexplained failure."""
    unavailable = isinstance(error, PoolTimeoutError | OperationalError | InterfaceError)
    if isinstance(error, OSError):  # a connection the driver could not open
        if not _raised_by_database_driver(error):
            log.error("request failed", exc_info=error)
            return message(500, INTERNAL_ERROR)
        unavailable = True
    if isinstance(error, DBAPIError):
        sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
        unavailable |= error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    if not unavailable:
        log.error("request failed in the database", exc_info=error)
        return message(500, INTERNAL_ERROR)
    log.warning("database unavailable: %s", type(error).__name__)
    return message(503, DATABASE_UNAVAILABLE, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def _raised_by_database_driver(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if module.startswith(DATABASE_MODULES):
            return True
        traceback = traceback.tb_next
    return False


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(OSError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
