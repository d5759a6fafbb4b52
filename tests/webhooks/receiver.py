"""A real HTTP server receiving webhooks in the test process: a thread on a free port of
127.0.0.1. Each path is one receiver; a test scripts the status codes a path answers, or makes it
hold requests until released."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Bounded waits: a broken delivery fails the test instead of hanging it.
WAIT_SECONDS = 30.0
# Settings that let webhooks reach a receiver of the test process (127.0.0.1, plain http), with
# an attempt's time limit long enough for a loaded machine and short enough that a receiver
# that hangs costs little.
REACHES_RECEIVER: dict[str, Any] = {
    "webhook_allow_private_targets": True,
    "webhook_allowed_http_hosts": ["127.0.0.1"],
    "webhook_timeout_seconds": 5,
}
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found

    @property
    def event(self) -> str:
        return str(self.payload["event"])


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived: list[str] = []
        """Paths of requests as they arrive, before they are answered."""
        self.scripts: dict[str, deque[int]] = defaultdict(deque)
        self.holding: set[str] = set()
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str, *codes: int) -> None:
        """The next requests to ``path`` get these codes in turn, then 200."""
        self.scripts[path].extend(codes)

    def hold(self, path: str) -> None:
        """Requests to ``path`` get no answer until ``release``."""
        self.holding.add(path)

    def release(self) -> None:
        """Answer the requests held, and hold no more."""
        self.holding.clear()
        self.released.set()

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [request for request in self.received if request.path == path]

    def events_at(self, path: str) -> list[str]:
        return [request.event for request in self.at(path)]

    async def wait_for(
        self, path: str, count: int = 1, *, arrived: bool = False, seconds: float = WAIT_SECONDS
    ) -> None:
        """Until ``count`` requests to ``path`` were answered (or arrived), bounded."""
        async with asyncio.timeout(seconds):
            while True:
                with self.lock:
                    seen = self.arrived if arrived else [r.path for r in self.received]
                    if seen.count(path) >= count:
                        return
                await asyncio.sleep(POLL_SECONDS)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.arrived.append(self.path)
                if self.path in receiver.holding:
                    receiver.released.wait(WAIT_SECONDS)
                with receiver.lock:
                    script = receiver.scripts[self.path]
                    code = script.popleft() if script else 200
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    receiver.received.append(Received(self.path, headers, body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=WAIT_SECONDS)


def running_receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def standard_signature_matches(secret: str, request: Received) -> bool:
    """The Standard Webhooks check, written from the specification: a ``v1,`` entry of
    ``webhook-signature`` is the base64 HMAC-SHA256 of ``id.timestamp.body`` keyed with the
    base64-decoded secret after ``whsec_``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    headers = request.headers
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, entry) for entry in headers["webhook-signature"].split(" ")
    )


def body_signature_matches(secret: str, request: Received) -> bool:
    """``X-Signature``: the hex HMAC-SHA256 of the raw body keyed with the secret string."""
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["x-signature"])
