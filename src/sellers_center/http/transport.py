"""Limits on how requests arrive: the time a request's head and body may take, the size of its
head, and how long an idle connection stays open.

uvicorn limits none of the first three: a client that sent half its headers, or a body shorter
than its ``Content-Length``, held its connection until the client gave up, and a head of a
megabyte was read whole. The head is watched by the HTTP protocol itself (the only place that
sees it arrive); the body by an ASGI middleware around ``receive``, so that its 408 goes through
the one error renderer.
"""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from sellers_center.http.responses import JSON_CONTENT_TYPE, message
from sellers_center.settings import Settings

# Each header line adds ": " and CRLF to its name and value.
HEADER_LINE_OVERHEAD = 4


def head_too_large(max_bytes: int) -> str:
    return f"Request line and headers too large: the limit is {max_bytes} bytes"


def head_too_slow(seconds: float) -> str:
    return f"Request line and headers not received within {seconds:g} s"


def body_too_slow(seconds: float) -> str:
    return f"Request body not received within {seconds:g} s"


@dataclass(frozen=True)
class HeadLimits:
    timeout_seconds: float
    max_bytes: int


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that enforce the transport settings."""
    limits = HeadLimits(settings.request_header_timeout_seconds, settings.max_header_bytes)
    # uvicorn calls the protocol "class" with keywords only; a partial of one pickles, which
    # `serve --workers N` needs to hand it to each process.
    protocol = functools.partial(LimitedHttpToolsProtocol, limits=limits)
    return {
        "http": cast(type[asyncio.Protocol], protocol),
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "timeout_worker_healthcheck": settings.process_healthcheck_timeout_seconds,
    }


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline and a size limit on each request's head.

    The deadline runs from the head's first byte to its end; past it the connection is closed
    (with 408 when no response is under way). A complete head over the size limit is answered
    431; an incomplete one is cut off as soon as more than the limit has arrived, so a head that
    never ends takes no more memory than that.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HeadLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.is_reading_head = True
        self.heads_read = 0
        self.messages_read = 0
        self.pending_head_bytes = 0
        self.head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn starts its idle timeout only after a response: a connection that never sent
        # a byte stayed open for good.
        self._start_idle_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.is_reading_head:
            self._start_head_clock()
        before = (self.heads_read, self.messages_read)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.is_reading_head and (self.heads_read, self.messages_read) == before:
            # All of this chunk belongs to a head that is still incomplete (a chunk that ended
            # a body is not head data, though the parser waits for a head again after it).
            self.pending_head_bytes += len(data)
            if self.pending_head_bytes > self.limits.max_bytes:
                self._refuse(431, head_too_large(self.limits.max_bytes))
        elif not self._is_answering():
            # The rest of a body the app answered without reading: uvicorn stopped the idle
            # clock at this chunk, and nothing else would end the connection if it stalls.
            self._start_idle_clock()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_clock()  # a pipelined request may begin in the middle of a chunk

    def on_headers_complete(self) -> None:
        self.is_reading_head = False
        self.heads_read += 1
        self.pending_head_bytes = 0
        self._stop_head_clock()
        size = len(self.url) + sum(
            len(name) + len(value) + HEADER_LINE_OVERHEAD for name, value in self.headers
        )
        if size <= self.limits.max_bytes:
            super().on_headers_complete()
            return
        # uvicorn answers through ``self.app``; the refusal takes its place for this request,
        # as uvicorn's own concurrency limit does. Its Connection: close ends the connection.
        refusal = message(431, head_too_large(self.limits.max_bytes), {"Connection": "close"})
        app, self.app = self.app, cast(Any, refusal)
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.is_reading_head = True
        self.messages_read += 1

    def _is_answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _start_idle_clock(self) -> None:
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def _start_head_clock(self) -> None:
        if self.head_deadline is None:
            self.head_deadline = self.loop.call_later(
                self.limits.timeout_seconds, self._head_timed_out
            )

    def _stop_head_clock(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        self._refuse(408, head_too_slow(self.limits.timeout_seconds))

    def _refuse(self, status: int, text: str) -> None:
        """Answer ``status`` unless a response is under way on this connection, then close."""
        self._stop_head_clock()
        if self.transport.is_closing():
            return
        if not self._is_answering():
            body = json.dumps({"message": text}).encode()
            head = (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"content-type: {JSON_CONTENT_TYPE}\r\n"
                f"content-length: {len(body)}\r\n"
                "connection: close\r\n\r\n"
            )
            self.transport.write(head.encode("ascii") + body)
        self.transport.close()


class BodyTimeoutError(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, detail=body_too_slow(seconds), headers={"Connection": "close"})


class BodyTimeoutMiddleware:
    """A request body must have arrived within ``timeout_seconds`` of the request's head;
    otherwise 408 ``{"message"}`` and the connection is closed (the rest of the body, if it
    ever comes, has nowhere to go)."""

    def __init__(self, app: ASGIApp, timeout_seconds: float) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        is_body_complete = False

        async def timed_receive() -> Message:
            nonlocal is_body_complete
            if is_body_complete:  # later calls wait for a disconnect, for as long as it takes
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    incoming = await receive()
            except TimeoutError:
                raise BodyTimeoutError(self.timeout_seconds) from None
            is_body_complete = incoming["type"] != "http.request" or not incoming.get(
                "more_body", False
            )
            return incoming

        await self.app(scope, timed_receive, send)
