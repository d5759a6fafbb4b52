"""bench/client.py's lean client against a scripted server in this process: what it sends, what
it reads back, and when it keeps a connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from bench.client import HTTPStatusError, LeanClient


@dataclass
class Scripted:
    """Answers each request with the next of ``answers``; records every request and which
    connection brought it."""

    answers: list[bytes]
    port: int = 0
    requests: list[tuple[int, bytes]] = field(default_factory=list)
    connections: int = 0


def answer(status: int, body: bytes, *extra: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    script = Scripted([])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script.connections += 1
        number = script.connections
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                script.requests.append((number, head + await reader.readexactly(length)))
                writer.write(script.answers.pop(0))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    script.port = server.sockets[0].getsockname()[1]
    async with server:
        yield script


async def test_requests_go_whole_and_the_connection_is_kept(scripted: Scripted) -> None:
    scripted.answers = [answer(202, b'{"a":1}'), answer(404, b"gone", "connection: keep-alive")]
    url = f"http://127.0.0.1:{scripted.port}"

    async with LeanClient(url, {"X-API-Key": "k"}) as client:
        first = await client.request("POST", "/p/", content=b'{"items":[]}')
        second = await client.get("/r", params={"batch_request_id": "b 1"})

    assert (first.status_code, first.json(), second.status_code, second.text) == (
        202,
        {"a": 1},
        404,
        "gone",
    )
    host = f"Host: 127.0.0.1:{scripted.port}\r\nX-API-Key: k\r\n"
    assert scripted.requests == [
        (1, f'POST /p/ HTTP/1.1\r\n{host}Content-Length: 12\r\n\r\n{{"items":[]}}'.encode()),
        (1, f"GET /r?batch_request_id=b+1 HTTP/1.1\r\n{host}Content-Length: 0\r\n\r\n".encode()),
    ]
    with pytest.raises(HTTPStatusError, match="status 404"):
        second.raise_for_status()


async def test_a_connection_the_server_closes_is_not_used_again(scripted: Scripted) -> None:
    scripted.answers = [answer(200, b"", "Connection: close"), answer(200, b"")]

    async with LeanClient(f"http://127.0.0.1:{scripted.port}") as client:
        await client.get("/a")
        await client.get("/b")

    assert [number for number, _ in scripted.requests] == [1, 2]


async def test_a_chunked_answer_is_refused(scripted: Scripted) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    scripted.answers = [chunked]

    async with LeanClient(f"http://127.0.0.1:{scripted.port}") as client:
        with pytest.raises(ValueError, match="chunked"):
            await client.get("/a")
