"""Running one operation: pace, send, retry. The two loops below are the same steps; only the
transport and the sleep differ (blocking or awaited), the decisions are shared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sellers_center_client._errors import TransportError
from sellers_center_client._http import Operation
from sellers_center_client._pacing import RateLimitPacer
from sellers_center_client._retry import RetryPolicy, RetryState
from sellers_center_client._transport import AsyncTransport, SyncTransport

T = TypeVar("T")


class SyncSession:
    """Runs operations over a blocking transport."""

    def __init__(
        self,
        transport: SyncTransport,
        policy: RetryPolicy,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.pacer = RateLimitPacer()
        self.monotonic = monotonic
        self.sleep = sleep

    def run(self, operation: Operation[T]) -> T:
        request = operation.request
        retries = RetryState(self.policy, request)
        while True:
            self._pause(self.pacer.delay(request.bucket, self.monotonic()))
            try:
                response = self.transport.send(request)
            except TransportError as error:
                self._pause(retries.after_transport_error(error))
                continue
            self.pacer.observe(request.bucket, response, self.monotonic())
            if response.is_success:
                return operation.parse(response)
            self._pause(retries.after_response(response))

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)


class AsyncSession:
    """Runs operations over a non-blocking transport."""

    def __init__(
        self,
        transport: AsyncTransport,
        policy: RetryPolicy,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.pacer = RateLimitPacer()
        self.monotonic = monotonic
        self.sleep = sleep

    async def run(self, operation: Operation[T]) -> T:
        request = operation.request
        retries = RetryState(self.policy, request)
        while True:
            await self._pause(self.pacer.delay(request.bucket, self.monotonic()))
            try:
                response = await self.transport.send(request)
            except TransportError as error:
                await self._pause(retries.after_transport_error(error))
                continue
            self.pacer.observe(request.bucket, response, self.monotonic())
            if response.is_success:
                return operation.parse(response)
            await self._pause(retries.after_response(response))

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self.sleep(seconds)
