"""The subscriptions API: types, create (the secret once), list, get, change, delete, rotate;
refusals name the problem; a seller sees only its own webhooks."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from sellers_center.webhooks.rules import EVENT_TYPES, MAX_SUBSCRIPTIONS, not_public
from tests.support import SellerKey
from tests.webhooks.helpers import subscribe

HOOK = "https://93.184.216.34/hooks"  # a public address: nothing is resolved
ALLOWED_HTTP_HOST = "93.184.216.34"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The defaults: only public targets; plain http to one host the operator names."""
    return Settings(database_url=database_url, webhook_allowed_http_hosts=[ALLOWED_HTTP_HOST])


async def test_the_event_types_are_listed(client: httpx.AsyncClient, seller: SellerKey) -> None:
    response = await client.get("/api/v1/webhooks/types", headers=seller.headers)

    assert response.status_code == 200
    assert response.json() == [
        {"event": event, "description": description} for event, description in EVENT_TYPES.items()
    ]
    assert {entry["event"] for entry in response.json()} >= {
        "order.created",
        "stock.updated",
        "product_master.status_updated",
        "batch.completed",
        "batch.failed",
    }


async def test_a_subscription_is_made_listed_changed_and_deleted(
    client: httpx.AsyncClient, seller: SellerKey, runtime: Runtime
) -> None:
    created = await client.post(
        "/api/v1/webhooks/",
        json={"events": ["order.created", "stock.updated"], "url": HOOK, "description": "shop"},
        headers=seller.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "client_secret"}
    assert body["client_secret"].startswith("whsec_")
    hook_id = body["id"]
    expected = {
        "id": hook_id,
        "events": ["order.created", "stock.updated"],
        "url": HOOK,
        "description": "shop",
        "enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
    }

    listed = await client.get("/api/v1/webhooks/", headers=seller.headers)
    assert listed.json() == [expected]
    got = await client.get(f"/api/v1/webhooks/{hook_id}", headers=seller.headers)
    assert got.json() == expected
    assert body["client_secret"] not in got.text + listed.text

    changed = await client.patch(
        f"/api/v1/webhooks/{hook_id}",
        json={"events": ["batch.failed"], "enabled": False, "description": None},
        headers=seller.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **expected,
        "events": ["batch.failed"],
        "enabled": False,
        "description": None,
    }
    untouched = await client.patch(f"/api/v1/webhooks/{hook_id}", json={}, headers=seller.headers)
    assert untouched.json() == changed.json()

    deleted = await client.delete(f"/api/v1/webhooks/{hook_id}", headers=seller.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get("/api/v1/webhooks/", headers=seller.headers)).json() == []
    gone = await client.get(f"/api/v1/webhooks/{hook_id}", headers=seller.headers)
    assert gone.status_code == 404
    assert gone.json() == {"message": f"Webhook subscription {hook_id} not found"}


@pytest.mark.parametrize(
    ("events", "url", "message"),
    [
        (
            ["order.created", "order.shipped"],
            HOOK,
            "Unknown events: order.shipped; the events are " + ", ".join(EVENT_TYPES),
        ),
        ([], HOOK, "A subscription needs at least one event"),
        (
            ["order.created"],
            "http://93.184.216.35/hooks",
            "url must use https (http is allowed only in sandbox mode or for hosts the operator "
            "allows; 93.184.216.35 is not one of them)",
        ),
        (
            ["order.created"],
            "ftp://example.com/",
            "url 'ftp://example.com/' is not an absolute http(s) URL with a host",
        ),
        (
            ["order.created"],
            "https:///path",
            "url 'https:///path' is not an absolute http(s) URL with a host",
        ),
        (
            ["order.created"],
            "https://exa\tmple.com/hooks",
            "url 'https://exa\\tmple.com/hooks' is not a valid URL: it holds a control character",
        ),
        (
            ["order.created"],
            "https://\N{SNOWMAN}.net/",
            "url 'https://\N{SNOWMAN}.net/' is not a valid URL: Invalid IDNA hostname: "
            "'\N{SNOWMAN}.net'",
        ),
        (
            ["order.created"],
            "https://127.0.0.1:8443/hooks",
            not_public("127.0.0.1"),
        ),
        (
            ["order.created"],
            "https://10.1.2.3/",
            not_public("10.1.2.3"),
        ),
        (
            ["order.created"],
            "https://[fe80::1]/",
            not_public("fe80::1"),
        ),
        (["order.created"], "https://[::127.0.0.1]/", not_public("::127.0.0.1")),
        (["order.created"], "https://[64:ff9b::7f00:1]/", not_public("64:ff9b::7f00:1")),
        (["order.created"], "https://[64:ff9b::10.0.0.1]/", not_public("64:ff9b::10.0.0.1")),
        (["order.created"], "https://[2002:7f00:1::]/", not_public("2002:7f00:1::")),
        (["order.created"], "https://[64:ff9b:1::5db8:d822]/", not_public("64:ff9b:1::5db8:d822")),
        (
            ["order.created"],
            "https://169.254.169.254/latest/meta-data",
            not_public("169.254.169.254"),
        ),
    ],
)
async def test_refused_subscriptions_name_the_problem(
    client: httpx.AsyncClient, seller: SellerKey, events: list[str], url: str, message: str
) -> None:
    response = await client.post(
        "/api/v1/webhooks/", json={"events": events, "url": url}, headers=seller.headers
    )

    assert response.status_code == 422
    assert response.json() == {"message": message}
    assert (await client.get("/api/v1/webhooks/", headers=seller.headers)).json() == []


@pytest.mark.parametrize(
    "host", ["[64:ff9b::5db8:d822]", "[2002:5db8:d822::1]", "[::ffff:93.184.216.34]"]
)
async def test_ipv6_forms_of_a_public_ipv4_address_are_accepted(
    client: httpx.AsyncClient, seller: SellerKey, host: str
) -> None:
    response = await client.post(
        "/api/v1/webhooks/",
        json={"events": ["order.created"], "url": f"https://{host}/"},
        headers=seller.headers,
    )

    assert response.status_code == 201, response.text


async def test_a_change_is_checked_like_a_new_subscription(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    hook = await subscribe(client, seller, HOOK, ["order.created"])

    response = await client.patch(
        f"/api/v1/webhooks/{hook.id}", json={"url": "https://192.168.0.1/"}, headers=seller.headers
    )

    assert response.status_code == 422
    assert "192.168.0.1" in response.json()["message"]
    stored = await client.get(f"/api/v1/webhooks/{hook.id}", headers=seller.headers)
    assert stored.json()["url"] == HOOK


def internal_dns(host: str, port: object, *args: object, **kwargs: object) -> list[Any]:
    """A resolver that knows one internal name."""
    if host == "billing.internal":
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", 443))]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


async def test_a_refusal_does_not_tell_internal_names_from_missing_ones(
    client: httpx.AsyncClient, seller: SellerKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", internal_dns)
    answers = {}
    for host in ("billing.internal", "missing.internal"):
        response = await client.post(
            "/api/v1/webhooks/",
            json={"events": ["order.created"], "url": f"https://{host}/hooks"},
            headers=seller.headers,
        )
        assert response.status_code == 422
        answers[host] = response.json()

    assert answers == {
        host: {
            "message": f"url host {host} does not resolve to a public address; webhooks go only "
            "to hosts that resolve to public addresses"
        }
        for host in answers
    }


LONG_LABEL = "a" * 64


@pytest.mark.parametrize("host", [f"{LONG_LABEL}.com", "a..com"])
async def test_a_name_no_resolver_can_be_asked_is_refused(
    client: httpx.AsyncClient, seller: SellerKey, host: str
) -> None:
    hook = await subscribe(client, seller, HOOK, ["order.created"])
    url = f"https://{host}/hooks"
    expected = {"message": not_public(host)}

    created = await client.post(
        "/api/v1/webhooks/", json={"events": ["order.created"], "url": url}, headers=seller.headers
    )
    changed = await client.patch(
        f"/api/v1/webhooks/{hook.id}", json={"url": url}, headers=seller.headers
    )

    assert (created.status_code, created.json()) == (422, expected)
    assert (changed.status_code, changed.json()) == (422, expected)


async def test_a_seller_sees_and_changes_only_its_own_webhooks(
    client: httpx.AsyncClient, seller: SellerKey, other_seller: SellerKey
) -> None:
    hook = await subscribe(client, seller, HOOK, ["order.created"])
    path = f"/api/v1/webhooks/{hook.id}"
    headers = other_seller.headers

    assert (await client.get("/api/v1/webhooks/", headers=headers)).json() == []
    assert (await client.get(path, headers=headers)).status_code == 404
    assert (await client.patch(path, json={"enabled": False}, headers=headers)).status_code == 404
    assert (await client.delete(path, headers=headers)).status_code == 404
    assert (await client.post(f"{path}/rotate-secret", headers=headers)).status_code == 404
    assert (await client.get(f"{path}/deliveries", headers=headers)).status_code == 404
    assert (await client.get(path, headers=seller.headers)).json()["enabled"] is True


async def test_rotating_gives_a_new_secret(client: httpx.AsyncClient, seller: SellerKey) -> None:
    hook = await subscribe(client, seller, HOOK, ["order.created"])

    rotated = await client.post(f"/api/v1/webhooks/{hook.id}/rotate-secret", headers=seller.headers)

    assert rotated.status_code == 200
    assert rotated.json()["id"] == hook.id
    assert rotated.json()["client_secret"].startswith("whsec_")
    assert rotated.json()["client_secret"] != hook.secret


async def test_a_seller_has_a_bounded_number_of_webhooks(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    for _ in range(MAX_SUBSCRIPTIONS):
        await subscribe(client, seller, HOOK, ["order.created"])

    response = await client.post(
        "/api/v1/webhooks/", json={"events": ["order.created"], "url": HOOK}, headers=seller.headers
    )

    assert response.status_code == 409
    assert response.json() == {"message": "A seller can have at most 20 webhook subscriptions"}


async def test_plain_http_is_allowed_for_the_hosts_the_operator_names(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.post(
        "/api/v1/webhooks/",
        json={"events": ["order.created"], "url": f"http://{ALLOWED_HTTP_HOST}:8080/hooks"},
        headers=seller.headers,
    )

    assert response.status_code == 201


async def test_the_limits_are_per_operation(
    client: httpx.AsyncClient, seller: SellerKey, runtime: Runtime
) -> None:
    listed = await client.get("/api/v1/webhooks/", headers=seller.headers)
    hook = await subscribe(client, seller, HOOK, ["order.created"])
    changed = await client.patch(
        f"/api/v1/webhooks/{hook.id}", json={"enabled": True}, headers=seller.headers
    )

    assert listed.headers["X-RateLimit-Limit"] == "50"
    assert changed.headers["X-RateLimit-Limit"] == "100"
