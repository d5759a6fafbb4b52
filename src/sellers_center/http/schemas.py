"""Error bodies, as the contract names them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema


class BadRequestSchema(BaseModel):
    message: str = Field(description="Error message")


# One entry of a 422's ``detail``, inline: it is not a model of its own on either side.
VALIDATION_ERROR_ENTRY = {
    "type": "object",
    "required": ["type", "loc", "msg"],
    "properties": {
        "type": {"type": "string", "description": "The kind of violation, e.g. string_too_long."},
        "loc": {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "description": 'Where: "body", "query" or "path", then the keys and positions.',
        },
        "msg": {"type": "string", "description": "What is wrong, in words."},
        "input": {"description": "The value sent, when it is a short number or string."},
        "ctx": {"type": "object", "description": "The bound or pattern that was broken."},
    },
}


class ValidationErrorSchema(BaseModel):
    """A request that breaks the schema: pydantic's error list plus a one-line summary."""

    detail: Annotated[
        list[dict[str, Any]],
        WithJsonSchema({"type": "array", "items": VALIDATION_ERROR_ENTRY}),
    ] = Field(description="One entry per violation.")
    message: str = Field(description="Human-readable summary of the violations")
