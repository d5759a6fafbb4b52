"""Every request gets an id (``X-Request-ID``), an access log line and its metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sellers_center.http.errors import INTERNAL_ERROR
from sellers_center.http.responses import message
from sellers_center.telemetry.logs import REQUEST_ID
from sellers_center.telemetry.metrics import HTTP_DURATION, HTTP_REQUESTS

access_log = logging.getLogger("sellers_center.access")
log = logging.getLogger(__name__)

HEADER = b"x-request-id"
# A caller's own id is kept when it is plain enough to put in logs and headers unchanged.
ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# Probes and scrapes are counted but not logged: they would drown the requests of sellers.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"


def request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and ACCEPTED_ID.fullmatch(value):
            given: str = value.decode()
            return given
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The matched route's template (one label value per endpoint, never per URL)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return path.rstrip("/") or "/"


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status, status_sent = 500, False

        async def send_with_id(event: Message) -> None:
            nonlocal status, status_sent
            if event["type"] == "http.response.start":
                status, status_sent = event["status"], True
                event["headers"] = [*event.get("headers", []), (HEADER, request_id.encode())]
            await send(event)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by the server's last-resort handler, so the 500 still
            # carries its request id and the traceback is logged with it.
            log.exception("request failed: %s %s", scope["method"], scope["path"])
            if status_sent:
                raise
            await message(500, INTERNAL_ERROR)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope["method"], route_of(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(elapsed)
            if scope["path"] not in QUIET_PATHS:
                access_log.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            REQUEST_ID.reset(token)
