"""JSON out, always ``application/json; charset=utf-8`` (SPEC §1)."""

from __future__ import annotations

from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


class JSONResponse(StarletteJSONResponse):
    media_type = JSON_MEDIA_TYPE


def raw_json(content: bytes, status_code: int = 200) -> Response:
    """A response for JSON the service already holds as bytes (stored batch results)."""
    return Response(content, status_code=status_code, media_type=JSON_MEDIA_TYPE)


def message(status_code: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": text}, status_code=status_code, headers=headers)
