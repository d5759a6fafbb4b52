"""How requests may arrive, on a real server and raw sockets: a head or a body that stops
coming ends its connection within its timeout, a head over the size limit gets 431, and an idle
connection outlives a client's polling pause (uvicorn's own 5 s idle timeout once closed the
connection of a client that polled every 12 s).

The server runs with small limits (1 s timeouts, 2 KiB heads, 10 s idle) so that the tests wait
little; the defaults are checked against the settings in ``test_server_options_*``.
"""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from sellers_center.http.transport import server_options
from sellers_center.settings import Settings
from tests.e2e.server import Server, running_server

pytestmark = pytest.mark.slow

HEAD_TIMEOUT_SECONDS = 1
BODY_TIMEOUT_SECONDS = 1
MAX_HEADER_BYTES = 2048
IDLE_TIMEOUT_SECONDS = 10
# A bound, not an expectation: how long a test waits for the server to close a connection.
CLOSE_BOUND_SECONDS = 60
# Longer than uvicorn's own idle timeout (5 s): the pause of a polling client.
POLLING_PAUSE_SECONDS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("transport")
    settings = {
        "SELLERS_CENTER_REQUEST_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT_SECONDS),
        "SELLERS_CENTER_REQUEST_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
        "SELLERS_CENTER_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
        "SELLERS_CENTER_KEEP_ALIVE_TIMEOUT_SECONDS": str(IDLE_TIMEOUT_SECONDS),
    }
    with running_server(folder, "limits", settings) as running:
        yield running


def connect(server: Server) -> socket.socket:
    address = urlsplit(server.base_url)
    assert address.hostname is not None
    assert address.port is not None
    connection = socket.create_connection((address.hostname, address.port))
    connection.settimeout(CLOSE_BOUND_SECONDS)
    return connection


def until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (within the bound)."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"connection still open after {CLOSE_BOUND_SECONDS} s; got {received!r}")
    finally:
        connection.close()
    return received


def parse(response: bytes) -> tuple[int, dict[str, str], object]:
    """Status, headers (lower-case names) and JSON body of one HTTP/1.1 response."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split(" ")[1]), headers, json.loads(body)


def batch_count(server: Server) -> int:
    connection = sqlite3.connect(server.folder / "db.sqlite")
    try:
        [(count,)] = connection.execute("SELECT count(*) FROM batches").fetchall()
        return int(count)
    finally:
        connection.close()


def test_a_body_shorter_than_its_content_length_gets_408_and_the_connection_closes(
    server: Server,
) -> None:
    before = batch_count(server)
    connection = connect(server)
    connection.sendall(
        b"PUT /api/v1/products/stocks HTTP/1.1\r\nHost: test\r\n"
        + f"X-API-Key: {server.demo_key()}\r\n".encode()
        + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"items": ['
    )

    status, headers, body = parse(until_closed(connection))

    assert status == 408
    assert headers["connection"] == "close"
    assert body == {"message": f"Request body not received within {BODY_TIMEOUT_SECONDS} s"}
    assert batch_count(server) == before


def test_a_submitted_body_is_received_before_the_key_is_checked(server: Server) -> None:
    """Without a key the answer would be 401, but the body comes first (it is read and checked
    before the write transaction opens): one that stops coming is a 408."""
    connection = connect(server)
    connection.sendall(
        b"PUT /api/v1/products/stocks HTTP/1.1\r\nHost: test\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"items": ['
    )

    status, headers, body = parse(until_closed(connection))

    assert (status, headers["connection"]) == (408, "close")
    assert body == {"message": f"Request body not received within {BODY_TIMEOUT_SECONDS} s"}


def test_a_head_that_stops_coming_gets_408_and_the_connection_closes(server: Server) -> None:
    connection = connect(server)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Pad")

    status, headers, body = parse(until_closed(connection))

    assert (status, headers["connection"]) == (408, "close")
    assert body == {
        "message": f"Request line and headers not received within {HEAD_TIMEOUT_SECONDS} s"
    }


@pytest.mark.parametrize("is_complete", [True, False], ids=["complete", "never-ending"])
def test_a_head_over_the_size_limit_gets_431_and_the_connection_closes(
    server: Server, is_complete: bool
) -> None:
    connection = connect(server)
    head = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: " + b"p" * 4 * MAX_HEADER_BYTES
    connection.sendall(head + (b"\r\n\r\n" if is_complete else b""))

    status, headers, body = parse(until_closed(connection))

    assert (status, headers["connection"]) == (431, "close")
    assert body == {
        "message": f"Request line and headers too large: the limit is {MAX_HEADER_BYTES} bytes"
    }


def test_a_head_within_the_size_limit_is_served(server: Server) -> None:
    connection = connect(server)
    padding = b"p" * (MAX_HEADER_BYTES // 2)
    connection.sendall(
        b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Padding: "
        + padding
        + b"\r\n\r\n"
    )

    status, _, body = parse(until_closed(connection))

    assert (status, body) == (200, {"status": "ok"})


def test_a_body_whose_last_chunk_is_larger_than_a_head_may_be_is_served(server: Server) -> None:
    """The end of a body is not a head: a body arriving in chunks, the last one over the head
    size limit, is read whole (it was once counted as head bytes and cut off with 431)."""
    items = [{"sku": f"SKU-{n:05}", "quantity": n} for n in range(400)]
    body = json.dumps({"items": items}).encode()
    assert len(body) > 4 * MAX_HEADER_BYTES
    connection = connect(server)
    connection.sendall(
        b"PUT /api/v1/products/stocks HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        + f"X-API-Key: {server.demo_key()}\r\n".encode()
        + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    # The server has read the head and the first bytes before the rest arrives in one piece.
    time.sleep(0.2)
    connection.sendall(body[10:])

    status, _, answer = parse(until_closed(connection))

    assert status == 200
    assert isinstance(answer, dict)
    assert set(answer) == {"batchRequestId"}


def test_a_connection_idle_longer_than_a_polling_pause_is_still_usable(server: Server) -> None:
    address = urlsplit(server.base_url)
    client = http.client.HTTPConnection(str(address.hostname), address.port, timeout=30)
    try:
        client.request("GET", "/healthz")
        first = client.getresponse()
        first.read()
        assert client.sock is not None
        local_address = client.sock.getsockname()
        time.sleep(POLLING_PAUSE_SECONDS)  # the idleness under test, not a wait for an event
        client.request("GET", "/healthz")
        second = client.getresponse()
        second_body = second.read()
        assert client.sock is not None
        same_connection = client.sock.getsockname() == local_address
    finally:
        client.close()

    assert (first.status, second.status) == (200, 200)
    assert json.loads(second_body) == {"status": "ok"}
    assert same_connection


def test_a_connection_that_sends_nothing_is_closed_after_the_idle_timeout(
    server: Server,
) -> None:
    connection = connect(server)
    opened = time.monotonic()

    received = until_closed(connection)

    assert received == b""
    assert time.monotonic() - opened >= IDLE_TIMEOUT_SECONDS - 1


def test_server_options_pass_the_transport_settings_to_uvicorn() -> None:
    defaults = Settings(database_url="sqlite+aiosqlite:///unused.db")

    options = server_options(defaults)

    assert options["timeout_keep_alive"] == defaults.keep_alive_timeout_seconds == 75
    assert options["timeout_worker_healthcheck"] == 60
    assert options["http"].keywords["limits"].timeout_seconds == 20
    assert options["http"].keywords["limits"].max_bytes == 16 * 1024
    assert defaults.request_body_timeout_seconds == 60
