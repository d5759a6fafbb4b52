"""The SDK against a real ``serve`` whose database stops answering: the service's 503 with
``Retry-After`` waited out and the call retried when it may be (a read, a submit carrying an
idempotency key: one batch however often it is sent), raised at once when it may not (a submit
without a key). The 429 half of the rate-limit behaviour is ``test_real_server.py``.

PostgreSQL sits behind a relay this test cuts: while cut, the relay closes every connection it
carries and every new one as soon as it is accepted, as a database that restarts does."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from sellers_center_client import Client, ServerError
from tests.client.server import RunningServer, StatusRecorder, serving
from tests.client.support import FakeTime
from tests.products.factory import jacket
from tests.support import POSTGRES_URL, create_postgres_database, drop_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RELAY_BUFFER_BYTES = 65536
CONNECT_TIMEOUT_SECONDS = 5
DATABASE_RETRY_AFTER = "2"  # the service's Retry-After while its database does not answer


class DatabaseRelay:
    """A TCP relay to PostgreSQL that can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.is_cut = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.is_cut.set()
        with self._lock:
            carried, self._open = self._open, set()
        for connection in carried:
            _close(connection)

    def restore(self) -> None:
        self.is_cut.clear()

    def close(self) -> None:
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.is_cut.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=CONNECT_TIMEOUT_SECONDS)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(RELAY_BUFFER_BYTES):
                target.sendall(data)
        _close(source)
        _close(target)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv
    connection.close()


@pytest.fixture(scope="module")
def relay() -> Iterator[DatabaseRelay]:
    upstream = make_url(POSTGRES_URL)
    relay = DatabaseRelay(upstream.host or "127.0.0.1", upstream.port or 5432)
    try:
        yield relay
    finally:
        relay.close()


@pytest.fixture(scope="module")
def server(
    relay: DatabaseRelay, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    url = create_postgres_database()
    relayed = make_url(url).set(host="127.0.0.1", port=relay.port)
    settings = {"SELLERS_CENTER_DATABASE_URL": relayed.render_as_string(hide_password=False)}
    try:
        with serving(tmp_path_factory.mktemp("unavailable"), settings) as running:
            yield running
    finally:
        relay.restore()
        drop_postgres_database(url)


class Outage:
    """The database cut now and back when the client first waits, on a clock that only the
    client's waits move."""

    def __init__(self, relay: DatabaseRelay) -> None:
        self.relay = relay
        self.time = FakeTime(on_sleep=lambda _: relay.restore())
        self.recorder = StatusRecorder()

    def client(self, server: RunningServer, *, automatic_idempotency_keys: bool = True) -> Client:
        return Client(
            server.base_url,
            server.key,
            transport=self.recorder,
            automatic_idempotency_keys=automatic_idempotency_keys,
            **self.time.hooks(),
        )

    def __enter__(self) -> Outage:
        self.relay.cut()
        return self

    def __exit__(self, *_: object) -> None:
        self.relay.restore()


def test_a_read_waits_out_the_503_and_is_retried(
    server: RunningServer, relay: DatabaseRelay
) -> None:
    with Outage(relay) as outage, outage.client(server) as client:
        page = client.batches.list()

    assert page.items == []
    assert outage.recorder.answers == [(503, DATABASE_RETRY_AFTER), (200, None)]
    assert outage.time.sleeps == [float(DATABASE_RETRY_AFTER)]


def test_a_submit_with_a_key_is_retried_and_stored_once(
    server: RunningServer, relay: DatabaseRelay
) -> None:
    key = f"unavailable-{uuid.uuid4()}"
    with Outage(relay) as outage, outage.client(server) as client:
        ref = client.products.upsert([jacket(sku="UN-1-S", style_key="UN-1")], idempotency_key=key)
    with Client(server.base_url, server.key) as client:
        again = client.products.upsert(
            [jacket(sku="UN-1-S", style_key="UN-1")], idempotency_key=key
        )
        listed = [batch.batch_id for batch in client.batches.iter_all(kind="products")]

    assert outage.recorder.answers[0] == (503, DATABASE_RETRY_AFTER)
    assert outage.recorder.answers[1:] == [(200, None)]
    assert outage.time.sleeps == [float(DATABASE_RETRY_AFTER)]
    assert again.batch_id == ref.batch_id
    assert listed.count(ref.batch_id) == 1


def test_a_submit_without_a_key_is_not_retried(server: RunningServer, relay: DatabaseRelay) -> None:
    with Client(server.base_url, server.key) as client:
        before = [batch.batch_id for batch in client.batches.iter_all()]
    outage = Outage(relay)
    keyless = outage.client(server, automatic_idempotency_keys=False)
    with outage, keyless, pytest.raises(ServerError) as raised:
        keyless.stocks.update([{"sku": "UN-2-S", "quantity": 1}])
    with Client(server.base_url, server.key) as client:
        after = [batch.batch_id for batch in client.batches.iter_all()]

    assert (raised.value.status_code, raised.value.retry_after) == (503, 2.0)
    assert outage.recorder.answers == [(503, DATABASE_RETRY_AFTER)]
    assert outage.time.sleeps == []
    assert after == before
