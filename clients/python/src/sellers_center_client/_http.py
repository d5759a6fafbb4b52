"""Requests and responses as plain values, and what a response means: the part of every call
that does no I/O, shared by the sync and async clients."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from sellers_center_client._errors import (
    ApiError,
    AuthenticationError,
    Conflict,
    NotFound,
    RateLimited,
    ServerError,
    UnexpectedResponse,
    ValidationFailed,
)

T = TypeVar("T")

# Methods whose repetition leaves the server as one call would (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE"})
REQUEST_ID_HEADER = "x-request-id"
# Characters of a non-JSON error body quoted in the error's message.
BODY_EXCERPT_CHARS = 200


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP call, built once per logical call and sent as is on every attempt."""

    method: str
    path: str
    bucket: str
    """The server's rate-limit bucket of the endpoint, for pacing."""
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    idempotency_key: str | None = None
    accept: str = "application/json"

    @property
    def is_retryable(self) -> bool:
        """Whether the call may be sent again after a failure whose effect is unknown."""
        return self.method in IDEMPOTENT_METHODS or self.idempotency_key is not None

    def headers(self) -> dict[str, str]:
        headers = {"Accept": self.accept}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.idempotency_key is not None:
            headers["Idempotency-Key"] = wire_key(self.idempotency_key)
        return headers


def wire_key(key: str) -> str:
    """An idempotency key as the header carries it: bare, or as a quoted string (the IETF
    draft's form, which the service also reads) when bare it would read as another key (an
    opening quote, spaces at either end)."""
    if not key.startswith('"') and key == key.strip(" "):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """An answer, read whole; header names are lower-case."""

    status_code: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def request_id(self) -> str | None:
        return self.headers.get(REQUEST_ID_HEADER)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def header_seconds(self, name: str) -> float | None:
        """A header holding a number of seconds (``Retry-After``), or None."""
        return _seconds(self.headers.get(name))


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """A call to make and how to read its successful answer."""

    request: ApiRequest
    parse: Callable[[ApiResponse], T]


def json_body(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def parser(shape: Any) -> Callable[[ApiResponse], Any]:
    """Reads a JSON body into ``shape`` (a model or any type pydantic validates)."""
    adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def parse(response: ApiResponse) -> Any:
        try:
            return adapter.validate_json(response.content)
        except ValidationError as error:
            raise UnexpectedResponse(
                f"The server's answer ({response.status_code}) does not match the API: "
                f"{_first_problem(error)}",
                status_code=response.status_code,
                request_id=response.request_id,
            ) from None

    return parse


def no_content(_: ApiResponse) -> None:
    return None


def pdf_document(response: ApiResponse) -> bytes:
    """The body of an answer that must be a PDF document."""
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/pdf") or not response.content.startswith(b"%PDF-"):
        raise UnexpectedResponse(
            f"The server's answer ({response.status_code}) is not a PDF document "
            f"({content_type or 'no content type'})",
            status_code=response.status_code,
            request_id=response.request_id,
        )
    return response.content


def error_from_response(response: ApiResponse) -> ApiError:
    """The error an unsuccessful answer stands for, with the server's message."""
    status = response.status_code
    body = _json_object(response.content)
    message = _message(response, body)
    request_id = response.request_id
    if status == 422:
        # Schema violations list each one in ``detail``; other refusals (a reused idempotency
        # key) carry the message alone.
        detail = body.get("detail")
        detail = detail if isinstance(detail, list) else []
        return ValidationFailed(message, detail=detail, request_id=request_id)
    if status == 429:
        retry_after = response.header_seconds("retry-after")
        return RateLimited(message, retry_after=retry_after, request_id=request_id)
    if status >= 500:
        retry_after = response.header_seconds("retry-after")
        return ServerError(
            message, status_code=status, retry_after=retry_after, request_id=request_id
        )
    error_class = {401: AuthenticationError, 404: NotFound, 409: Conflict}.get(status, ApiError)
    return error_class(message, status_code=status, request_id=request_id)


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _message(response: ApiResponse, body: dict[str, Any]) -> str:
    message = body.get("message")
    if isinstance(message, str) and message:
        return message
    text = response.content.decode("utf-8", errors="replace").strip()
    excerpt = f": {text[:BODY_EXCERPT_CHARS]}" if text else ""
    return f"HTTP {response.status_code}{excerpt}"


def _seconds(value: str | None) -> float | None:
    """Delay-seconds of ``Retry-After``; the HTTP-date form is not used by this API."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _first_problem(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{location}: {first['msg']}"
