"""The load generator of bench/loadgen.py counts exactly the responses it was sent, however the
bytes arrive, and against a real server (in this process) it uses every connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import loadgen

REQUEST = b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
EVERYTHING = [float("-inf"), float("inf")]


def response(status: int, body: bytes, header_name: str = "content-length") -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\nserver: test\r\n{header_name}: {len(body)}\r\n"
        f"content-type: application/json\r\n\r\n"
    ).encode() + body


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.is_closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.is_closed = True

    def is_closing(self) -> bool:
        return self.is_closed


def connection() -> tuple[loadgen._Connection, FakeTransport, loadgen.Tally]:
    tally = loadgen.Tally(seconds=1.0)
    loop = asyncio.new_event_loop()
    connected = loadgen._Connection(REQUEST, tally, EVERYTHING, loop.create_future())
    transport = FakeTransport()
    connected.connection_made(transport)  # type: ignore[arg-type]
    loop.close()
    return connected, transport, tally


responses = st.lists(
    st.tuples(
        st.sampled_from([200, 404, 500]),
        st.binary(max_size=300),
        st.sampled_from(["content-length", "Content-Length", "CONTENT-LENGTH"]),
    ),
    min_size=1,
    max_size=8,
)


@given(responses, st.lists(st.integers(min_value=1, max_value=50), max_size=40))
def test_every_response_is_counted_once_however_the_bytes_are_split(
    sent: list[tuple[int, bytes, str]], cuts: list[int]
) -> None:
    connected, transport, tally = connection()
    connected.start()
    stream = b"".join(response(*parts) for parts in sent)
    chunks, position = [], 0
    for size in cuts:
        chunks.append(stream[position : position + size])
        position += size
    chunks.append(stream[position:])
    for chunk in chunks:
        if chunk:  # a transport never delivers an empty chunk
            connected.data_received(chunk)

    assert tally.responses == len(sent)
    assert tally.errors == sum(status != 200 for status, _, _ in sent)
    assert len(tally.latencies) == len(sent)
    assert transport.written == [REQUEST] * (len(sent) + 1)  # the first, then one per response


def test_a_response_without_content_length_ends_the_connection_as_an_error() -> None:
    connected, transport, tally = connection()
    connected.start()

    connected.data_received(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello")

    assert (tally.responses, tally.errors, transport.is_closed) == (0, 1, True)
    assert tally.problems == ["a response without Content-Length (chunked?): not supported"]


def test_a_stopped_connection_sends_nothing_more_and_becomes_idle() -> None:
    connected, transport, tally = connection()
    connected.start()
    connected.stop()

    connected.data_received(response(200, b"{}"))

    assert (tally.responses, transport.written, connected.idle.done()) == (1, [REQUEST], True)


@pytest.fixture
async def fixed_server() -> AsyncIterator[tuple[int, list[int]]]:
    """A server answering every request head with 200 and ``{}``; (port, requests per
    connection)."""
    counts: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts.append(0)
        number = len(counts) - 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                counts[number] += 1
                writer.write(response(200, b"{}"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], counts


async def test_drive_keeps_every_connection_busy_and_counts_no_error(
    fixed_server: tuple[int, list[int]],
) -> None:
    port, counts = fixed_server

    tally = await loadgen.drive("127.0.0.1", port, REQUEST, connections=3, seconds=0.2, warmup=0.05)

    # drive returns once each connection's last response has come: every one was used.
    assert len(counts) == 3
    assert all(count > 0 for count in counts)
    assert tally.errors == 0
    assert tally.problems == []
    assert tally.responses <= sum(counts)  # only those inside the window count
    assert len(tally.latencies) == tally.responses


def test_build_request_sends_the_path_query_and_headers() -> None:
    host, port, request = loadgen.build_request(
        "http://127.0.0.1:8123/api/v1/results/products?batch_request_id=b", [("X-API-Key", "k")]
    )

    assert (host, port) == ("127.0.0.1", 8123)
    assert request == (
        b"GET /api/v1/results/products?batch_request_id=b HTTP/1.1\r\n"
        b"Host: 127.0.0.1:8123\r\nX-API-Key: k\r\n\r\n"
    )
