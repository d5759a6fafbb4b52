"""The only I/O of the SDK: one request out, one whole response back, over httpx2.

httpx2's exceptions stop here: each becomes a ``TransportError`` (with the original as its
``__cause__``), so callers handle the SDK's hierarchy alone.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

import httpx2

from sellers_center_client._errors import TransportError
from sellers_center_client._http import ApiRequest, ApiResponse
from sellers_center_client._version import __version__

USER_AGENT = (
    f"sellers-center-client/{__version__} python/{platform.python_version()} "
    f"httpx2/{httpx2.__version__}"
)
# What httpx2 may raise around a request: its own errors and a URL it cannot use.
HTTPX_ERRORS = (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError)
# Failures where the same request may well work a moment later.
TRANSIENT_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class Timeout:
    """Seconds allowed for each phase of a request; every one is finite.

    ``read`` bounds the wait for each part of the answer, so a server that stops answering
    is given up on instead of holding the call forever.
    """

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0
    """Waiting for a free connection of the client's pool."""

    def to_httpx(self) -> httpx2.Timeout:
        return httpx2.Timeout(
            connect=self.connect, read=self.read, write=self.write, pool=self.pool
        )


def _headers(api_key: str) -> dict[str, str]:
    return {"X-API-Key": api_key, "User-Agent": USER_AGENT}


class SyncTransport:
    """Blocking HTTP over one pooled ``httpx2.Client``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: Timeout,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        # The API never redirects (paths work with and without the trailing slash).
        self._client = httpx2.Client(
            base_url=base_url,
            headers=_headers(api_key),
            timeout=timeout.to_httpx(),
            follow_redirects=False,
            transport=transport,
        )

    def send(self, request: ApiRequest) -> ApiResponse:
        try:
            response = self._client.request(
                request.method,
                request.path,
                params=request.params,
                content=request.body,
                headers=request.headers(),
            )
        except HTTPX_ERRORS as error:
            raise _transport_error(request, error) from error
        return _response(response)

    def close(self) -> None:
        self._client.close()


class AsyncTransport:
    """Non-blocking HTTP over one pooled ``httpx2.AsyncClient``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: Timeout,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        # The API never redirects (paths work with and without the trailing slash).
        self._client = httpx2.AsyncClient(
            base_url=base_url,
            headers=_headers(api_key),
            timeout=timeout.to_httpx(),
            follow_redirects=False,
            transport=transport,
        )

    async def send(self, request: ApiRequest) -> ApiResponse:
        try:
            response = await self._client.request(
                request.method,
                request.path,
                params=request.params,
                content=request.body,
                headers=request.headers(),
            )
        except HTTPX_ERRORS as error:
            raise _transport_error(request, error) from error
        return _response(response)

    async def close(self) -> None:
        await self._client.aclose()


def _response(response: httpx2.Response) -> ApiResponse:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return ApiResponse(response.status_code, headers, response.content)


def _transport_error(request: ApiRequest, error: Exception) -> TransportError:
    detail = str(error) or type(error).__name__
    return TransportError(
        f"{request.method} {request.path} got no answer: {detail}",
        is_transient=isinstance(error, TRANSIENT_ERRORS),
    )
