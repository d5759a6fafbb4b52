"""The two HTTP endpoints of every batch kind: submit and results (docs/api.md#batches).

No ``from __future__ import annotations`` here: the handlers' annotations carry each kind's own
rate-limit dependency and must be evaluated when the handler is built. Submissions read and
check their body before the write transaction and refuse it only after authentication, so an
unknown caller gets 401 whatever it sent.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from sellers_center.accounts.service import Principal
from sellers_center.engine import service
from sellers_center.engine.kind import BatchKind, KindRegistry
from sellers_center.engine.schemas import BatchRequestAcceptedSchema
from sellers_center.engine.status import RequestStatus
from sellers_center.http.dependencies import (
    ReadSession,
    RuntimeDependency,
    WriteSession,
    authenticated,
)
from sellers_center.http.errors import ApiError, body_errors
from sellers_center.http.openapi import request_body
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.responses import raw_json
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema, ValidationErrorSchema
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
    return router


@dataclass(frozen=True, slots=True)
class SubmittedBody:
    """A request body as received, with its typed items or why the schema refuses it."""

    body: bytes
    items: Sequence[Any]
    errors: list[dict[str, Any]] | None


def _body_of(kind: BatchKind) -> Any:
    """A dependency reading and checking the body before the write transaction opens: on
    SQLite that transaction holds the database's one write lock, which must not wait for a body
    to arrive or be validated. A refusal is raised by the handler, after authentication, so
    that a malformed body from an unknown caller is a 401."""

    async def submitted_body(request: Request) -> SubmittedBody:
        body = await request.body()
        try:
            return SubmittedBody(body, kind.parse(body).items, None)
        except ValidationError as error:
            return SubmittedBody(body, (), body_errors(error))

    return Depends(submitted_body)


def _add_submit(router: SlashAgnosticRouter, kind: BatchKind) -> None:
    endpoint = kind.submit

    async def submit(
        runtime: RuntimeDependency,
        submitted: Annotated[SubmittedBody, _body_of(kind)],
        session: WriteSession,
        principal: Annotated[Principal, authenticated(kind.submit_bucket, endpoint.rate_limit)],
    ) -> BatchRequestAcceptedSchema:
        if submitted.errors is not None:
            raise RequestValidationError(submitted.errors, body=submitted.body)
        submission = await service.submit(
            session,
            kind=kind.name,
            seller_id=principal.seller_id,
            body=submitted.body,
            item_count=len(submitted.items),
            now=runtime.clock.now(),
        )
        batch_id = submission.batch_id
        fields = {"batch_id": str(batch_id), "kind": kind.name}
        # With the request id the log adds, these tie a seller's call to its batch.
        if submission.is_new:
            BATCHES.labels(kind.name, RequestStatus.PENDING).inc()
            runtime.wakeup.notify()
            log.info("batch %s accepted", batch_id, extra=fields)
        else:
            log.info(
                "batch %s answered again: identical payload still open", batch_id, extra=fields
            )
        return BatchRequestAcceptedSchema(batchRequestId=batch_id)

    router.add_api_route(
        endpoint.path,
        submit,
        methods=[endpoint.method],
        summary=endpoint.summary,
        operation_id=endpoint.operation_id,
        description=endpoint.description or describe_limit(endpoint.rate_limit),
        tags=list(endpoint.tags),
        openapi_extra={"requestBody": request_body(kind.request_model)},
        responses={
            422: {"description": "Validation Error", "model": ValidationErrorSchema},
            401: _message_response("Unauthorized"),
            413: _message_response("Request body too large"),
            415: _message_response("Content-Encoding other than identity"),
            429: _message_response("Too many requests"),
            "default": {"headers": RATE_LIMIT_HEADERS},
        },
    )


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
        view = await service.read_result(
            session, kind=kind.name, seller_id=principal.seller_id, batch_id=batch_request_id
        )
        return raw_json(view.to_json())

    router.add_api_route(
        endpoint.path,
        results,
        methods=[endpoint.method],
        summary=endpoint.summary,
        operation_id=endpoint.operation_id,
        description=endpoint.description or describe_limit(endpoint.rate_limit),
        tags=list(endpoint.tags),
        response_model=None,
        responses={
            200: {"description": "OK", "model": kind.results_model},
            400: _message_response("Bad Request"),
            401: _message_response("Unauthorized"),
            404: _message_response("Not Found"),
            "default": {"headers": RATE_LIMIT_HEADERS},
        },
    )
