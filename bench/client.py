"""A lean HTTP/1.1 client for the benchmarks' submissions and polls: keep-alive connections from
a pool, requests written in one piece, responses read by ``Content-Length``.

The benchmarks run the load and the server on one machine, so every core-second the client spends
is taken from the server it measures. httpx spent 22-23 ms of CPU per 100-item product batch
(submit, polls, reading the results) against the server's ~110 ms, measured on this project's
2-core machine: a sixth of the machine, where this client spends a few milliseconds. It does only
what the service's answers need: no redirects, no compression, no chunked bodies (refused).

The interface is the part of ``httpx.AsyncClient`` the benchmarks use (``request``, ``get``,
responses with ``status_code``, ``content``, ``text``, ``json()`` and ``raise_for_status()``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

TIMEOUT_SECONDS = 60.0
CONTENT_LENGTH = b"\r\ncontent-length:"
CHUNKED = b"\r\ntransfer-encoding: chunked"
CLOSE = b"\r\nconnection: close"


class HTTPStatusError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Response:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HTTPStatusError(f"status {self.status_code}: {self.content[:300]!r}")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """Up to ``max_connections`` keep-alive connections to ``base_url`` (``http://`` only)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_connections: int = 8,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"an http:// URL is needed, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        lines = [f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self._headers = "".join(f"{line}\r\n" for line in lines)
        self._timeout = timeout
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        for connection in idle:
            await connection.writer.wait_closed()

    async def get(self, path: str, *, params: Mapping[str, str] | None = None) -> Response:
        return await self.request("GET", path, params=params)

    async def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes = b"",
        params: Mapping[str, str] | None = None,
    ) -> Response:
        target = f"{path}?{urlencode(params)}" if params else path
        length = f"Content-Length: {len(content)}\r\n\r\n"
        head = f"{method} {target} HTTP/1.1\r\n{self._headers}{length}"
        async with self._slots, asyncio.timeout(self._timeout):
            connection = self._idle.pop() if self._idle else await self._open()
            try:
                connection.writer.write(head.encode() + content)
                response, keep = await self._read(connection.reader)
            except BaseException:
                connection.close()
                raise
            if keep:
                self._idle.append(connection)
            else:
                connection.close()
            return response

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[Response, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        if CHUNKED in head:
            raise ValueError("a chunked response: not supported")
        start = head.find(CONTENT_LENGTH)
        if start < 0:
            raise ValueError("a response without Content-Length: not supported")
        start += len(CONTENT_LENGTH)
        length = int(head[start : head.find(b"\r\n", start)])
        body = await reader.readexactly(length)
        return Response(int(head[9:12]), body), CLOSE not in head
