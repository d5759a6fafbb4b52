"""The engine's HTTP endpoints (docs/api.md#batches): submit and results of every batch kind,
and the seller's own batches (``batches_router``).

No ``from __future__ import annotations`` here: the handlers' annotations carry each kind's own
rate-limit dependency and must be evaluated when the handler is built. Submissions first
receive their body, then authenticate and count the caller, then check the body and idempotency
key, and open a write transaction only for the insert: an unknown caller gets 401 whatever it
sent, and no refusal waits for the write lock.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from sellers_center.accounts.service import Principal
from sellers_center.engine import idempotency, service
from sellers_center.engine.idempotency import InvalidKeyError, KeyUse
from sellers_center.engine.kind import BatchKind, KindRegistry
from sellers_center.engine.schemas import (
    IDEMPOTENCY_KEY_PARAMETER,
    RESULTS_PAGING_PARAMETERS,
    BatchesPageSchema,
    BatchRequestAcceptedSchema,
    BatchSummarySchema,
    CursorPaginationSchema,
    ResultsPaging,
)
from sellers_center.engine.status import RequestStatus
from sellers_center.http.dependencies import ReadSession, RuntimeDependency, authenticated
from sellers_center.http.errors import ApiError, body_errors
from sellers_center.http.openapi import PATH_PARAMETERS, request_body
from sellers_center.http.query import page_links
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.responses import raw_json
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema, ValidationErrorSchema
from sellers_center.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from sellers_center.runtime import Runtime
from sellers_center.telemetry.metrics import BATCHES

log = logging.getLogger(__name__)

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Total requests allowed in the time window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Remaining requests in the current window",
        "schema": {"type": "integer"},
    },
}


def _message_response(description: str) -> dict[str, Any]:
    return {"description": description, "model": BadRequestSchema}


def kinds_router(kinds: KindRegistry) -> SlashAgnosticRouter:
    router = SlashAgnosticRouter()
    for kind in kinds:
        _add_submit(router, kind)
        _add_results(router, kind)
    _add_batches(router, kinds)
    return router


@dataclass(frozen=True, slots=True)
class AcceptedSubmission:
    """A submission from an authenticated caller, counted against its limit, whose body and
    idempotency key are accepted."""

    principal: Principal
    body: bytes
    item_count: int
    key: str | None


async def _received_body(request: Request) -> bytes:
    return await request.body()


def _accepted(kind: BatchKind) -> Any:
    """A dependency giving the submission once it may be stored, in this order: the body is
    received (one that never arrives is a 408, with or without a key); the caller is
    authenticated and counted, in a read of its own; then the key and body are checked, so
    that a malformed body from an unknown caller is a 401. No write transaction is open for
    any of it: on SQLite that transaction holds the database's one write lock (a worker
    applying a batch holds it too), which a refusal must not wait for."""
    seller = authenticated(kind.submit_bucket, kind.submit.rate_limit)

    async def accepted_submission(
        request: Request,
        runtime: RuntimeDependency,
        body: Annotated[bytes, Depends(_received_body)],
        principal: Annotated[Principal, seller],
    ) -> AcceptedSubmission:
        await runtime.unit.before_cpu_work()
        try:
            key = idempotency.read_key(request.headers.getlist(idempotency.HEADER))
            items = kind.parse(body).items
        except InvalidKeyError as error:
            raise _key_refused("idempotency_key", str(error)) from None
        except ValidationError as error:
            raise RequestValidationError(body_errors(error), body=body) from None
        return AcceptedSubmission(principal, body, len(items), key)

    return Depends(accepted_submission)


def _add_submit(router: SlashAgnosticRouter, kind: BatchKind) -> None:
    endpoint = kind.submit

    async def submit(
        runtime: RuntimeDependency,
        accepted: Annotated[AcceptedSubmission, _accepted(kind)],
    ) -> BatchRequestAcceptedSchema:
        hours = runtime.settings.idempotency_key_hours

        async def store(session: AsyncSession) -> service.Submission:
            return await service.submit(
                session,
                kind=kind.name,
                seller_id=accepted.principal.seller_id,
                body=accepted.body,
                item_count=accepted.item_count,
                now=runtime.clock.now(),
                key=None if accepted.key is None else KeyUse(accepted.key, hours),
            )

        try:
            # The write transaction holds only the insert; it commits before the answer, so a
            # commit that fails is a 503, never a 200 for a batch not stored.
            submission = await runtime.unit.write(store)
        except service.IdempotencyKeyReusedError as error:
            raise _key_refused("idempotency_key_reused", error.message) from None
        _log_submission(runtime, kind, submission)
        return BatchRequestAcceptedSchema(batchRequestId=submission.batch_id)

    router.add_api_route(
        endpoint.path,
        submit,
        methods=[endpoint.method],
        summary=endpoint.summary,
        operation_id=endpoint.operation_id,
        description=endpoint.description or describe_limit(endpoint.rate_limit),
        tags=list(endpoint.tags),
        openapi_extra={
            "requestBody": request_body(kind.request_model),
            "parameters": [IDEMPOTENCY_KEY_PARAMETER],
        },
        responses={
            422: {"description": "Validation Error", "model": ValidationErrorSchema},
            401: _message_response("Unauthorized"),
            413: _message_response("Request body too large"),
            415: _message_response("Content-Encoding other than identity"),
            429: _message_response("Too many requests"),
            "default": {"headers": RATE_LIMIT_HEADERS},
        },
    )


def _key_refused(error_type: str, text: str) -> RequestValidationError:
    """A 422 like any other refused request, located at the header."""
    return RequestValidationError([{"type": error_type, "loc": KEY_LOCATION, "msg": text}])


KEY_LOCATION = ("header", idempotency.HEADER)


def _log_submission(runtime: Runtime, kind: BatchKind, submission: service.Submission) -> None:
    batch_id = submission.batch_id
    fields = {"batch_id": str(batch_id), "kind": kind.name}
    # With the request id the log adds, these tie a seller's call to its batch.
    if submission.is_new:
        BATCHES.labels(kind.name, RequestStatus.PENDING).inc()
        runtime.wakeup.notify()
        log.info("batch %s accepted", batch_id, extra=fields)
    elif submission.is_replay:
        log.info("batch %s answered again: same idempotency key and body", batch_id, extra=fields)
    else:
        log.info("batch %s answered again: identical payload still open", batch_id, extra=fields)


def _add_results(router: SlashAgnosticRouter, kind: BatchKind) -> None:
    endpoint = kind.results

    async def results(
        request: Request,
        session: ReadSession,
        batch_request_id: Annotated[uuid.UUID, Query()],
        principal: Annotated[Principal, authenticated(kind.results_bucket, endpoint.rate_limit)],
    ) -> Response:
        # Which of several ids was meant cannot be known: answering for one would hide the client's
        # mistake (docs/api.md#transport-rules: semantically unusable at the request level, 400).
        given = len(request.query_params.getlist("batch_request_id"))
        if given > 1:
            raise ApiError(400, f"batch_request_id is given {given} times: give one batch id")
        paging = _paging(request)
        view = await service.read_result(
            session,
            kind=kind.name,
            seller_id=principal.seller_id,
            batch_id=batch_request_id,
            selection=None if paging is None else paging.selection(),
        )
        if paging is None or not paging.is_paged:
            return raw_json(view.to_json())
        pagination = page_links(
            request, page=paging.page or 1, per_page=paging.size, total=view.total or 0
        )
        return raw_json(view.to_json(pagination.model_dump_json().encode()))

    router.add_api_route(
        endpoint.path,
        results,
        methods=[endpoint.method],
        summary=endpoint.summary,
        operation_id=endpoint.operation_id,
        description=endpoint.description or describe_limit(endpoint.rate_limit),
        tags=list(endpoint.tags),
        response_model=None,
        openapi_extra={PATH_PARAMETERS: RESULTS_PAGING_PARAMETERS},
        responses={
            200: {"description": "OK", "model": kind.results_model},
            400: _message_response("Bad Request"),
            401: _message_response("Unauthorized"),
            404: _message_response("Not Found"),
            "default": {"headers": RATE_LIMIT_HEADERS},
        },
    )


def _paging(request: Request) -> ResultsPaging | None:
    """The paging the request asks for (``ResultsPaging.of_query``), refused as FastAPI refuses
    a query parameter."""
    try:
        return ResultsPaging.of_query(request.query_params)
    except ValidationError as error:
        errors = [
            {**entry, "loc": ("query", *entry["loc"])} for entry in error.errors(include_url=False)
        ]
        raise RequestValidationError(errors) from None


# docs/api.md#limits: a listing page is one index range scan, a batch one primary-key read.
BATCHES_LIST_LIMIT = 100
BATCHES_READ_LIMIT = 200

PerPageQuery = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description=f"Batches per page (at most {MAX_PER_PAGE}).")
]


def _known_cursor(cursor: str | None) -> str | None:
    if cursor is not None:
        try:
            service.decode_cursor(cursor)
        except ValueError as error:
            raise PydanticCustomError("cursor", str(error)) from None
    return cursor


def _as_utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC, as the service gives every time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _add_batches(router: SlashAgnosticRouter, kinds: KindRegistry) -> None:
    names = sorted(kind.name for kind in kinds)

    def known_kind(name: str | None) -> str | None:
        if name is not None and name not in names:
            expected = ", ".join(f"'{known}'" for known in names)
            raise PydanticCustomError(
                "enum", "Input should be one of {expected}", {"expected": expected}
            )
        return name

    @router.get(
        "/api/v1/batches/",
        summary="List the seller's batches, newest first",
        description=describe_limit(BATCHES_LIST_LIMIT),
        tags=["Batches"],
        operation_id="list_batches",
    )
    async def list_batches(
        request: Request,
        session: ReadSession,
        principal: Annotated[Principal, authenticated("batches.list", BATCHES_LIST_LIMIT)],
        kind: Annotated[
            str | None,
            Query(description="Only batches of this kind.", json_schema_extra={"enum": names}),
            AfterValidator(known_kind),
        ] = None,
        status: Annotated[
            list[RequestStatus] | None,
            Query(description="Only batches in this status; repeat it for several."),
        ] = None,
        created_from: Annotated[
            datetime | None,
            Query(
                description="Only batches created at or after this time (ISO 8601, UTC if no "
                "offset)."
            ),
        ] = None,
        created_to: Annotated[
            datetime | None,
            Query(
                description="Only batches created at or before this time (ISO 8601, UTC if no "
                "offset)."
            ),
        ] = None,
        cursor: Annotated[
            str | None,
            Query(max_length=200, description="A page's `next_cursor`: the page after it."),
            AfterValidator(_known_cursor),
        ] = None,
        per_page: PerPageQuery = DEFAULT_PER_PAGE,
    ) -> BatchesPageSchema:
        filters = service.BatchFilter(
            kind, tuple(status or ()), _as_utc(created_from), _as_utc(created_to)
        )
        page = await service.list_batches(
            session,
            seller_id=principal.seller_id,
            filters=filters,
            after=None if cursor is None else service.decode_cursor(cursor),
            per_page=per_page,
        )
        return BatchesPageSchema(
            items=[_summary(batch) for batch in page.items],
            pagination=CursorPaginationSchema(
                per_page=per_page,
                next=_next_link(request, page.next_cursor),
                next_cursor=page.next_cursor,
            ),
        )

    @router.get(
        "/api/v1/batches/{batch_request_id}",
        summary="One of the seller's batches",
        description=describe_limit(BATCHES_READ_LIMIT),
        tags=["Batches"],
        operation_id="get_batch",
        responses={404: _message_response("Not Found")},
    )
    async def get_batch(
        session: ReadSession,
        batch_request_id: uuid.UUID,
        principal: Annotated[Principal, authenticated("batches.read", BATCHES_READ_LIMIT)],
    ) -> BatchSummarySchema:
        batch = await service.get_batch(
            session, seller_id=principal.seller_id, batch_id=batch_request_id
        )
        return _summary(batch)


def _summary(batch: service.BatchSummary) -> BatchSummarySchema:
    return BatchSummarySchema(
        batchRequestId=batch.id,
        kind=batch.kind,
        status=batch.status,
        created_at=batch.created_at,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        attempts=batch.attempts,
        item_count=batch.item_count,
        succeeded=batch.succeeded,
        failed=batch.failed,
    )


def _next_link(request: Request, next_cursor: str | None) -> str | None:
    """The next page's relative URL: the request's parameters, with the next cursor."""
    if next_cursor is None:
        return None
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "cursor"]
    return f"{request.url.path}?{urlencode([*kept, ('cursor', next_cursor)])}"
