"""The interactive API docs (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served offline.

FastAPI's own pages load their JavaScript, CSS, favicon and (ReDoc) web fonts from public CDNs,
so they stay blank on a machine without internet, which is how integrators run the service as a
local sandbox. The same assets come from an installed package here (``fastapi-offline`` ships
Swagger UI's and ReDoc's standalone builds) and are served under ``/docs/assets/``; ReDoc's
Google fonts are left out and a Content-Security-Policy keeps the browser on this origin.
None of these pages needs a key, counts against a rate limit or appears in the OpenAPI document.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from sellers_center.http.routing import SlashAgnosticRouter

ASSET_PACKAGE = "fastapi_offline"
ASSET_FOLDER = "static"
ASSETS_PATH = "/docs/assets"
# The files the pages use, with the content type each is served with; nothing else is served.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# An asset asked for with its current fingerprint (``?v=``, as the pages link it) never changes;
# any other request revalidates with the ETag, so an upgrade is seen at once.
FINGERPRINTED_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Same origin only: a page that tried to reach a CDN or a font service would be stopped by the
# browser. Inline script and styles are how Swagger UI is started and how ReDoc styles itself;
# ReDoc's search runs in a worker made from a blob.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# FastAPI's Swagger UI defaults, without the public validator service.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}

router = SlashAgnosticRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    fingerprint: str

    @property
    def etag(self) -> str:
        return f'"{self.fingerprint}"'


@functools.cache
def assets() -> dict[str, Asset]:
    """The asset files, read once per process on first use (about 2.8 MB)."""
    folder = resources.files(ASSET_PACKAGE).joinpath(ASSET_FOLDER)
    found = {}
    for name, media_type in ASSET_TYPES.items():
        body = folder.joinpath(name).read_bytes()
        found[name] = Asset(body, media_type, hashlib.sha256(body).hexdigest()[:16])
    return found


def asset_url(request: Request, name: str) -> str:
    """The fingerprinted URL of an asset, under the app's root path."""
    return f"{_root(request)}{ASSETS_PATH}/{name}?v={assets()[name].fingerprint}"


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _openapi_url(request: Request) -> str:
    app: FastAPI = request.app
    return f"{_root(request)}{app.openapi_url}"


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = REVALIDATE
    return response


@router.get("/")
async def index(request: Request) -> dict[str, Any]:
    """Where to start: the docs, the OpenAPI document and the health probes."""
    app: FastAPI = request.app
    root = _root(request)
    return {
        "name": app.title,
        "version": app.version,
        "links": {
            "docs": f"{root}/docs",
            "redoc": f"{root}/redoc",
            "openapi": _openapi_url(request),
            "healthz": f"{root}/healthz",
            "readyz": f"{root}/readyz",
        },
    }


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    page = get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{app.title} - Swagger UI",
        swagger_js_url=asset_url(request, "swagger-ui-bundle.js"),
        swagger_css_url=asset_url(request, "swagger-ui.css"),
        swagger_favicon_url=asset_url(request, "favicon.png"),
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    return _page(page)


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{app.title} - ReDoc",
        redoc_js_url=asset_url(request, "redoc.standalone.js"),
        redoc_favicon_url=asset_url(request, "favicon.png"),
        with_google_fonts=False,
    )
    return _page(page)


@router.get(ASSETS_PATH + "/{name}")
async def asset(request: Request, name: str) -> Response:
    found = assets().get(name)
    if found is None:
        raise HTTPException(404, "Not found: no such docs asset")
    is_current = request.query_params.get("v") == found.fingerprint
    headers = {
        "ETag": found.etag,
        "Cache-Control": FINGERPRINTED_CACHE if is_current else REVALIDATE,
    }
    if found.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


def _etags(if_none_match: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compare equal, RFC 9110)."""
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages and their assets; call with ``docs_url=None, redoc_url=None``."""
    app.include_router(router)
