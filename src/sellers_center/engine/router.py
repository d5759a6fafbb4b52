"""The two HTTP endpoints of every batch kind: submit and results (SPEC §2).

No ``from __future__ import annotations`` here: the handlers' annotations carry each kind's own
rate-limit dependency and must be evaluated when the handler is built. Submissions read their
body themselves, after auth, so an unknown caller gets 401 whatever it sent.
"""

import logging
import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from sellers_center.accounts.service import Principal
from sellers_center.engine import service
from sellers_center.engine.kind import BatchKind, KindRegistry
from sellers_center.engine.schemas import BatchRequestAcceptedSchema
from sellers_center.engine.status import RequestStatus
from sellers_center.http.dependencies import RuntimeDependency, authenticated
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


def _add_submit(router: SlashAgnosticRouter, kind: BatchKind) -> None:
    endpoint = kind.submit

    async def submit(
        request: Request,
        runtime: RuntimeDependency,
        principal: Annotated[Principal, authenticated(kind.submit_bucket, endpoint.rate_limit)],
    ) -> BatchRequestAcceptedSchema:
        # The body is read here, after auth and the rate limit, so that a malformed body
        # from an unknown caller is a 401 and every call with a key is counted.
        body = await request.body()
        try:
            items = kind.parse_items(body)
        except ValidationError as error:
            raise RequestValidationError(body_errors(error), body=body) from None
        async with runtime.database.write_session.begin() as session:
            submission = await service.submit(
                session,
                kind=kind.name,
                seller_id=principal.seller_id,
                body=body,
                item_count=len(items),
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
        runtime: RuntimeDependency,
        batch_request_id: Annotated[uuid.UUID, Query()],
        principal: Annotated[Principal, authenticated(kind.results_bucket, endpoint.rate_limit)],
    ) -> Response:
        # Which of several ids was meant cannot be known: answering for one would hide the
        # client's mistake (SPEC §1: semantically unusable at the request level, 400).
        given = len(request.query_params.getlist("batch_request_id"))
        if given > 1:
            raise ApiError(400, f"batch_request_id is given {given} times: give one batch id")
        async with runtime.database.read_session() as session:
            view = await service.read_result(
                session,
                kind=kind.name,
                seller_id=principal.seller_id,
                batch_id=batch_request_id,
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
