"""Every request gets an id (``X-Request-ID``), an access log line and its metrics."""

from __future__ import annotations

import logging
import os
import re
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sellers_center.http.errors import INTERNAL_ERROR
from sellers_center.http.responses import message
from sellers_center.telemetry.access import ACCESS_LOGGER, AccessLog
from sellers_center.telemetry.logs import REQUEST_ID
from sellers_center.telemetry.metrics import HTTP_DURATION, HTTP_REQUESTS

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
    return fresh_request_id()


# The bits a version 4 UUID fixes (RFC 9562 section 5.4): its version, then its variant.
VERSION_MASK, VERSION_4 = 0xF << 76, 0x4 << 76
VARIANT_MASK, VARIANT_RFC = 0xC << 60, 0x8 << 60


def fresh_request_id() -> str:
    """``uuid.uuid4().hex`` without building a ``UUID`` (0.5 µs instead of 1.8, measured)."""
    number = int.from_bytes(os.urandom(16))
    number = (number & ~VERSION_MASK | VERSION_4) & ~VARIANT_MASK | VARIANT_RFC
    return f"{number:032x}"


def route_of(scope: Scope) -> str:
    """The matched route's template (one label value per endpoint, never per URL)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return path.rstrip("/") or "/"


class RequestMetrics:
    """The request counter and duration histogram, their children kept by label values:
    ``labels()`` takes a lock and checks its values on every call (1.5 and 2.2 µs a request,
    against 0.4 and 0.7 for a kept child, measured). As many children as the metrics hold."""

    def __init__(self, requests: Counter, durations: Histogram) -> None:
        self.requests, self.durations = requests, durations
        self.counts: dict[tuple[str, str, int], Counter] = {}
        self.timings: dict[tuple[str, str], Histogram] = {}

    def observe(self, method: str, route: str, status: int, elapsed: float) -> None:
        count = self.counts.get((method, route, status))
        if count is None:
            count = self.requests.labels(method, route, str(status))
            self.counts[method, route, status] = count
        timing = self.timings.get((method, route))
        if timing is None:
            timing = self.timings[method, route] = self.durations.labels(method, route)
        count.inc()
        timing.observe(elapsed)


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = RequestMetrics(HTTP_REQUESTS, HTTP_DURATION)
        self.access_log = AccessLog(logging.getLogger(ACCESS_LOGGER))

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
            self.metrics.observe(method, route, status, elapsed)
            if scope["path"] not in QUIET_PATHS:
                duration_ms = round(elapsed * 1000, 2)
                self.access_log.write(method, scope["path"], route, status, duration_ms)
            REQUEST_ID.reset(token)
