"""Plumbing for the SDK's tests: a clock that moves only when slept on, scripted answers, and a
blocking transport into an app served on the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2

from sellers_center_client import AsyncClient, Client, RetryPolicy

# Bounds, not expectations: one in-process call takes milliseconds.
BRIDGE_TIMEOUT_SECONDS = 30
# No jitter: retries wait exactly the backoff's upper bound, so the tests can name the waits.
NO_JITTER = RetryPolicy(jitter=lambda: 1.0)


@dataclass
class FakeTime:
    """A monotonic clock that only the client's own sleeps move forward."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: Callable[[float], None] | None = None

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def hooks(self) -> dict[str, Any]:
        """The blocking client's ``monotonic`` and ``sleep``."""
        return {"monotonic": self.monotonic, "sleep": self.sleep}


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx2.Response:
    content = b"" if body is None else json.dumps(body).encode()
    return httpx2.Response(status, headers=headers or {}, content=content)


@dataclass
class Script:
    """Answers requests in order with prepared responses (or exceptions), recording each."""

    answers: Sequence[httpx2.Response | Exception]
    requests: list[httpx2.Request] = field(default_factory=list)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        step = self.answers[len(self.requests) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def async_transport(self) -> httpx2.MockTransport:
        async def handle(request: httpx2.Request) -> httpx2.Response:
            await request.aread()
            return self.handle(request)

        return httpx2.MockTransport(handle)


class LoopBridge(httpx2.BaseTransport):
    """Serves a blocking client's requests from an ASGI app on ``loop``.

    The app and its database belong to the test's event loop; the blocking client runs in a
    worker thread (``asyncio.to_thread``) while that loop is free to answer.
    """

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.asgi = httpx2.ASGITransport(app=app)
        self.loop = loop

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        async def forward() -> httpx2.Response:
            response = await self.asgi.handle_async_request(request)
            content = await response.aread()
            return httpx2.Response(response.status_code, headers=response.headers, content=content)

        future = asyncio.run_coroutine_threadsafe(forward(), self.loop)
        return future.result(timeout=BRIDGE_TIMEOUT_SECONDS)


def sent_json(request: httpx2.Request) -> Any:
    return json.loads(request.content)


async def maybe(value: Any) -> Any:
    """The value of a call of either client: awaited for ``AsyncClient``."""
    if inspect.isawaitable(value):
        return await value
    return value


@dataclass
class Harness:
    """Builds either client over a scripted or real transport, with the fake clock."""

    is_async: bool

    @contextlib.asynccontextmanager
    async def client(
        self,
        time: FakeTime,
        *,
        script: Script | None = None,
        base_url: str = "http://sellers.test",
        **options: Any,
    ) -> AsyncIterator[Any]:
        options.setdefault("retry", NO_JITTER)
        clock: dict[str, Any] = {"monotonic": time.monotonic}
        if self.is_async:
            transport = script.async_transport() if script else None
            async with AsyncClient(
                base_url, "key", transport=transport, sleep=time.async_sleep, **clock, **options
            ) as client:
                yield client
        else:
            with Client(
                base_url,
                "key",
                transport=script.transport() if script else None,
                sleep=time.sleep,
                **clock,
                **options,
            ) as client:
                yield client
