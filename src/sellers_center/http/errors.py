"""One renderer for every error: each body carries ``message``; 422 also carries ``detail``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

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

DEFAULT_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
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


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    body = {"detail": jsonable_encoder(errors), "message": summarise(errors)}
    return JSONResponse(body, status_code=422)


async def _domain_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    status = next((code for cls, code in STATUS_OF.items() if isinstance(error, cls)), 400)
    return message(status, error.message)


async def _api_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return message(error.status_code, error.message, error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    text = error.detail if isinstance(error.detail, str) else str(error.detail)
    if error.status_code == 404 and text == "Not Found":
        text = f"Not found: {request.method} {request.url.path}"
    elif error.status_code == 405:
        text = f"Method {request.method} is not allowed on {request.url.path}"
    return message(error.status_code, text, dict(error.headers or {}))


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
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
