"""The API guide's receiver example (docs/api.md#verifying-a-webhook), run as printed against
real deliveries: it accepts what the service signs and refuses what another secret signed."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from sellers_center.webhooks import service as webhooks
from tests.support import BOTH_BACKENDS, SellerKey
from tests.webhooks.helpers import deliver_due, delivery_log, subscribe

pytestmark = BOTH_BACKENDS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SERVE_LINE = 'http.server.ThreadingHTTPServer(("", 8000), Receiver).serve_forever()'


def guide_receiver(secret: str, monkeypatch: pytest.MonkeyPatch) -> type[Any]:
    """The example's ``Receiver`` class, its module run as printed but for the last line."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("### Verifying a webhook") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    assert code.rstrip().endswith(SERVE_LINE)
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {"__name__": "guide_receiver"}
    exec(compile(code.replace(SERVE_LINE, ""), str(GUIDE), "exec"), namespace)
    receiver: type[Any] = namespace["Receiver"]
    return receiver


@pytest.fixture
def serve() -> Iterator[list[http.server.ThreadingHTTPServer]]:
    servers: list[http.server.ThreadingHTTPServer] = []
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def start(handler: type[Any], servers: list[http.server.ThreadingHTTPServer]) -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    servers.append(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


async def test_the_guides_receiver_verifies_both_signatures(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    serve: list[http.server.ThreadingHTTPServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = await subscribe(client, seller, "http://127.0.0.1:9/placeholder", ["batch.completed"])
    right = start(guide_receiver(hook.secret, monkeypatch), serve)
    wrong = start(guide_receiver("whsec_" + "A" * 44, monkeypatch), serve)
    other = await subscribe(client, seller, wrong, ["batch.completed"])
    moved = await client.patch(
        f"/api/v1/webhooks/{hook.id}", json={"url": right}, headers=seller.headers
    )
    assert moved.status_code == 200
    async with runtime.unit.write() as session:
        await webhooks.emit(session, seller.seller_id, "batch.completed", {}, runtime.clock.now())

    await deliver_due(runtime)

    [accepted] = (await delivery_log(client, seller, hook.id))["items"]
    [refused] = (await delivery_log(client, seller, other.id))["items"]
    assert (accepted["status"], accepted["last_response_code"]) == ("delivered", 204)
    assert (refused["status"], refused["last_response_code"]) == ("pending", 401)
