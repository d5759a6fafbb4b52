"""JSON out, always ``application/json; charset=utf-8`` (docs/api.md#transport-rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.background import BackgroundTask
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class JSONResponse(StarletteJSONResponse):
    """``media_type`` stays bare because the OpenAPI document keys content by it, as the
    contract does (``application/json``); the header itself names the charset."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        headers = {"content-type": JSON_CONTENT_TYPE, **(headers or {})}
        super().__init__(content, status_code, headers, media_type, background)


def raw_json(content: bytes, status_code: int = 200) -> Response:
    """A response for JSON the service already holds as bytes (stored batch results)."""
    return Response(content, status_code=status_code, media_type=JSON_CONTENT_TYPE)


def message(status_code: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": text}, status_code=status_code, headers=headers)
