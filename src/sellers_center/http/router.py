"""Liveness and readiness probes and the metrics scrape: no auth, no rate limit.

The probes take their session from the unit of work inside their time limit rather than as a
request dependency, whose end (closing the session) would fall outside it: a database that
hangs must not hang a probe."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from sellers_center.engine import service as engine
from sellers_center.http.dependencies import RuntimeDependency
from sellers_center.http.responses import JSONResponse
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.telemetry.metrics import (
    CONTENT_TYPE,
    QueueState,
    exposition,
    webhook_backlog,
)
from sellers_center.webhooks import service as webhooks

log = logging.getLogger(__name__)

router = SlashAgnosticRouter(tags=["Health"])

# What a database that is down, restarting or hung raises here.
DATABASE_FAILURES = (SQLAlchemyError, OSError, TimeoutError)
# A probe must answer quickly even when the database hangs.
READINESS_TIMEOUT_SECONDS = 2.0


# The probes' answers, inline: operators' tools read them, not the seller SDK.
READINESS = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["ready", "degraded", "unavailable"]},
        "checks": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": 'Each dependency: "ok" or "error: <kind>".',
        },
    },
}


def _readiness(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": READINESS}}}


@router.get("/healthz", summary="The process is up", operation_id="get_liveness")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The process can serve: its database (and Redis) answer",
    operation_id="get_readiness",
    response_model=None,
    responses={
        200: _readiness("Ready, or degraded: Redis does not answer"),
        503: _readiness("The database does not answer"),
    },
)
async def readyz(runtime: RuntimeDependency) -> JSONResponse:
    """503 when the database does not answer. Redis only carries the rate limits, which fall
    back to per-process counting without it, so a Redis failure reports ``degraded`` with 200."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            async with runtime.unit.read() as session:
                await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except DATABASE_FAILURES as error:
        checks["database"] = f"error: {type(error).__name__}"
    redis = await runtime.rate_limiter.check_shared()
    if redis is not None:
        checks["redis"] = redis
    if checks["database"] != "ok":
        return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)
    status = "ready" if all(value == "ok" for value in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks})


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(runtime: RuntimeDependency) -> Response:
    """Every process's metrics, then queue depth and age read from the database now. When the
    database does not answer they are left out (not zeros, which would look like an empty
    queue to an alert) and a warning is logged."""
    states: list[QueueState] | None = None
    backlog: webhooks.Backlog | None = None
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            async with runtime.unit.read() as session:
                states = await engine.queue_states(session)
                backlog = await webhooks.backlog(session)
    except DATABASE_FAILURES as error:
        log.warning("metrics: queue state unavailable (%s)", type(error).__name__)
    now = runtime.clock.now()
    body = exposition((kind.name for kind in runtime.kinds), states, now)
    if backlog is not None:
        body += webhook_backlog(backlog.pending, backlog.oldest_created_at, now)
    return Response(body, media_type=CONTENT_TYPE)
