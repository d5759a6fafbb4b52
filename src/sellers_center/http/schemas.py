"""Error bodies, as the contract names them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class BadRequestSchema(BaseModel):
    message: str = Field(description="Error message")


class ValidationErrorSchema(BaseModel):
    """A request that breaks the schema: pydantic's error list plus a one-line summary."""

    detail: list[dict[str, Any]] = Field(description="One entry per violation: type, loc, msg.")
    message: str = Field(description="Human-readable summary of the violations")


class LivenessSchema(BaseModel):
    status: str = Field(description='Always "ok": the process answers.')


class ReadinessSchema(BaseModel):
    status: str = Field(description='"ready", "degraded" (Redis down) or "unavailable".')
    checks: dict[str, str] = Field(description='Each dependency: "ok" or "error: <kind>".')
