"""The reference of a read benchmark: an ASGI app that answers every request with fixed bytes,
served by uvicorn configured as ``sellers-center serve`` configures it.

    .venv/bin/python -m bench.rawapp --port 8001 --response response.json [--bare]

``response.json`` holds ``{"headers": [[name, value], ...], "body_file": path}``: a response the
real service sent, so both servers write the same bytes. The settings come from the environment
as for the service (transport limits, log format), and the same HTTP protocol class, event loop
and keep-alive timeout apply; what differs is only the app.

``--bare`` serves the same response without uvicorn: a bare protocol on the event loop answering
every request head, the cheapest server possible in Python, to show the load generator's own
ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from starlette.types import Receive, Scope, Send

from sellers_center.http.transport import server_options
from sellers_center.settings import Settings
from sellers_center.telemetry.logs import logging_config


def fixed_response_app(body: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    content = {"type": "http.response.body", "body": body}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "http":
            await send(start)
            await send(content)

    return app


class _Bare(asyncio.Protocol):
    """Answers each request head (requests without a body) with ``response``."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.pending = b""
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        data, self.pending = self.pending + data, b""
        heads = data.count(b"\r\n\r\n")
        self.pending = data[data.rfind(b"\r\n\r\n") + 4 :] if heads else data
        if heads:
            self.transport.write(self.response * heads)


async def _serve_bare(
    host: str, port: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(
        name + b": " + value + b"\r\n" for name, value in headers
    )
    response = head + b"\r\n" + body
    server = await asyncio.get_running_loop().create_server(lambda: _Bare(response), host, port)
    async with server:
        await server.serve_forever()


def save_response(folder: Path, body: bytes, headers: list[tuple[str, str]]) -> Path:
    """Write what ``--response`` reads; returns its path."""
    (folder / "response-body.bin").write_bytes(body)
    description = {"headers": headers, "body_file": str(folder / "response-body.bin")}
    path = folder / "response.json"
    path.write_text(json.dumps(description))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--response", type=Path, required=True)
    parser.add_argument("--bare", action="store_true", help="no uvicorn: the cheapest server")
    options = parser.parse_args()
    description = json.loads(options.response.read_text())
    body = Path(description["body_file"]).read_bytes()
    headers = [(name.encode(), value.encode()) for name, value in description["headers"]]
    if options.bare:
        uvloop.run(_serve_bare(options.host, options.port, body, headers))
        return
    settings = Settings()
    uvicorn.run(
        fixed_response_app(body, headers),
        host=options.host,
        port=options.port,
        log_config=logging_config(settings.log_format, settings.log_level),
        access_log=False,
        **server_options(settings),
    )


if __name__ == "__main__":
    main()
