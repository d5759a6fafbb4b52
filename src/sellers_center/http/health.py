"""Liveness and readiness probes: no auth, no rate limit."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sellers_center.http.dependencies import RuntimeDependency
from sellers_center.http.responses import JSONResponse
from sellers_center.http.routing import SlashAgnosticRouter

router = SlashAgnosticRouter(tags=["Health"])

# A probe must answer quickly even when the database hangs.
READINESS_TIMEOUT_SECONDS = 2.0


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The process can serve: its database answers")
async def readyz(runtime: RuntimeDependency) -> JSONResponse:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            async with runtime.database.read_session() as session:
                await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        body = {
            "status": "unavailable",
            "checks": {"database": f"error: {type(error).__name__}"},
        }
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "checks": {"database": "ok"}})
