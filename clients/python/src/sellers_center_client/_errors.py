"""The one error hierarchy of the SDK: nothing else escapes a client call.

Every error carries ``message`` (the server's own words when it answered) and ``request_id``
(the response's ``X-Request-ID``, which the service logs with every line of that request: quote
it when asking the operator about a call).
"""

from __future__ import annotations

import uuid
from typing import Any


class SellersCenterError(Exception):
    """Base of every error raised by the SDK."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        if self.request_id is None:
            return self.message
        return f"{self.message} (request id {self.request_id})"


class ApiError(SellersCenterError):
    """The server answered with an error status; subclasses name the common ones.

    Statuses without a subclass of their own (400, 405, 413, 415) are raised as ``ApiError``.
    """

    def __init__(self, message: str, *, status_code: int, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code


class AuthenticationError(ApiError):
    """401: the API key is missing, unknown, expired or revoked."""


class NotFound(ApiError):  # noqa: N818 - named for what happened
    """404: no such batch, SKU, category or path for this seller."""


class Conflict(ApiError):  # noqa: N818 - named for what happened
    """409: the call clashes with the current state (e.g. deleting a variant of a published
    style)."""


class ValidationFailed(ApiError):  # noqa: N818 - named for what happened
    """422: the request was rejected whole; nothing was stored.

    For a request that breaks the API's schema, ``detail`` lists every violation as the server
    reports it: ``{"type", "loc", "msg", ...}``, with ``loc`` a path such as
    ``["body", "items", 0, "sku"]``. Other refusals (an idempotency key reused for another
    request) leave it empty and say why in ``message``.
    """

    def __init__(
        self,
        message: str,
        *,
        detail: list[dict[str, Any]],
        status_code: int = 422,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, request_id=request_id)
        self.detail = detail


class RateLimited(ApiError):  # noqa: N818 - named for what happened
    """429: the per-key limit of this endpoint is used up; ``retry_after`` is the server's
    ``Retry-After`` in seconds (None when it sent none).

    Raised only when the wait is longer than the client's ``RetryPolicy.max_retry_after`` or
    the policy's rate-limit retries are spent; shorter waits are waited out.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status_code: int = 429,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, request_id=request_id)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the service failed or is unavailable (503 while its database does not answer,
    with ``retry_after`` seconds); raised once the retries allowed for the call are spent."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, request_id=request_id)
        self.retry_after = retry_after


class TransportError(SellersCenterError):
    """No answer: the connection failed, timed out or broke. The transport's own exception is
    ``__cause__``; ``is_transient`` says whether trying again may help."""

    def __init__(self, message: str, *, is_transient: bool) -> None:
        super().__init__(message)
        self.is_transient = is_transient


class UnexpectedResponse(SellersCenterError):  # noqa: N818 - named for what happened
    """The server answered something that is not what the API documents (e.g. an HTML page from
    a proxy, or a body of the wrong shape)."""

    def __init__(self, message: str, *, status_code: int, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code


class InvalidRequest(SellersCenterError, ValueError):  # noqa: N818 - named for what happened
    """The SDK refused to send a call: too few or too many items for the batch kind, or an item
    that does not fit its model. ``detail`` has the same shape as ``ValidationFailed.detail``."""

    def __init__(self, message: str, *, detail: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.detail = detail or []


class BatchWaitTimeout(SellersCenterError, TimeoutError):  # noqa: N818 - named for what happened
    """``batches.wait`` gave up: the batch was not final within the timeout. It is still
    processed; wait again or read its results later."""

    def __init__(self, message: str, *, kind: str, batch_id: uuid.UUID, last_status: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.batch_id = batch_id
        self.last_status = last_status
