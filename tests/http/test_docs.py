"""The docs pages work offline: every asset is served by the service itself, none from a CDN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from sellers_center.http.docs import ASSET_TYPES, CONTENT_SECURITY_POLICY
from sellers_center.runtime import Runtime
from tests import support

PAGES = ("/docs", "/redoc")
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining")
# What each file must contain to be the bundle it claims to be.
ASSET_MARKERS = {
    "swagger-ui-bundle.js": b"SwaggerUIBundle",
    "swagger-ui.css": b".swagger-ui",
    "redoc.standalone.js": b"Redoc",
    "favicon.png": b"\x89PNG",
}


class References(HTMLParser):
    """Every URL an HTML page makes the browser load or follow (src, href, spec-url)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [
            value for name, value in attrs if name in ("src", "href", "spec-url") and value
        ]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


async def page(client: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response


def assert_local(url: str) -> None:
    assert url.startswith("/"), url
    assert not url.startswith("//"), url


@pytest.mark.parametrize("path", PAGES)
async def test_a_docs_page_references_only_assets_of_the_service(
    client: httpx.AsyncClient, path: str
) -> None:
    html = (await page(client, path)).text
    urls = references(html)
    assets = [url for url in urls if url.startswith("/docs/assets/")]
    assert assets, html
    for url in urls:
        assert_local(url)
    # Nothing in the page names another host: no CDN, no web fonts, no validator badge.
    assert "http:" not in html
    assert "https:" not in html
    assert "googleapis" not in html


async def test_swagger_ui_is_started_on_our_openapi_document_without_the_validator(
    client: httpx.AsyncClient,
) -> None:
    html = (await page(client, "/docs")).text
    assert "url: '/openapi.json'" in html
    assert '"validatorUrl": null' in html


async def test_redoc_reads_our_openapi_document(client: httpx.AsyncClient) -> None:
    assert references((await page(client, "/redoc")).text)[-2:] == [
        "/openapi.json",
        f"/docs/assets/redoc.standalone.js?v={await fingerprint(client, 'redoc.standalone.js')}",
    ]


@pytest.mark.parametrize("path", PAGES)
async def test_the_browser_is_kept_on_the_service_s_origin(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await page(client, path)
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in policy
    assert "connect-src 'self';" in policy
    assert "http" not in policy
    assert response.headers["cache-control"] == "no-cache"


async def fingerprint(client: httpx.AsyncClient, name: str) -> str:
    """The version the pages link an asset with."""
    html = (await page(client, "/redoc" if name == "redoc.standalone.js" else "/docs")).text
    linked = [url for url in references(html) if url.startswith(f"/docs/assets/{name}?v=")]
    assert len(linked) == 1, html
    return linked[0].split("?v=")[1]


@pytest.mark.parametrize("name", sorted(ASSET_TYPES))
async def test_each_asset_is_served_with_its_type_and_cached_for_good_when_fingerprinted(
    client: httpx.AsyncClient, name: str
) -> None:
    version = await fingerprint(client, name)
    response = await client.get(f"/docs/assets/{name}", params={"v": version})
    assert response.status_code == 200
    assert response.headers["content-type"] == ASSET_TYPES[name]
    assert ASSET_MARKERS[name] in response.content
    assert int(response.headers["content-length"]) == len(response.content) > 1000
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"] == f'"{version}"'
    assert [header for header in RATE_LIMIT_HEADERS if header in response.headers] == []


async def test_an_asset_without_its_fingerprint_is_revalidated(client: httpx.AsyncClient) -> None:
    first = await client.get("/docs/assets/swagger-ui.css", params={"v": "old"})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    again = await client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    changed = await client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": '"x"'})
    assert changed.status_code == 200
    assert changed.content == first.content


@pytest.mark.parametrize("name", ["swagger-ui.js.map", "..%2Fcore.py", "LICENSE"])
async def test_only_the_listed_assets_are_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert list(response.json()) == ["message"]


async def test_the_root_points_to_the_docs_and_the_probes(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body == {
        "name": "Sellers Center API",
        "version": "1.0.0",
        "links": {
            "docs": "/docs",
            "redoc": "/redoc",
            "openapi": "/openapi.json",
            "healthz": "/healthz",
            "readyz": "/readyz",
        },
    }
    for link in body["links"].values():
        assert (await client.get(link)).status_code == 200, link


@pytest.fixture
async def proxied_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app mounted under ``/sellers`` by a proxy that says so (ASGI ``root_path``)."""
    transport = httpx.ASGITransport(app=support.app_of(runtime), root_path="/sellers")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_behind_a_path_prefix_every_link_carries_it(
    proxied_client: httpx.AsyncClient,
) -> None:
    links: dict[str, Any] = (await proxied_client.get("/sellers/")).json()["links"]
    assert set(links.values()) == {
        "/sellers/docs",
        "/sellers/redoc",
        "/sellers/openapi.json",
        "/sellers/healthz",
        "/sellers/readyz",
    }
    for path in PAGES:
        html = (await page(proxied_client, f"/sellers{path}")).text
        assert all(url.startswith("/sellers/") for url in references(html)), html


async def test_docs_need_no_key_and_stay_out_of_the_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    for path in (*PAGES, "/"):
        response = await client.get(path)
        assert response.status_code == 200
        assert [header for header in RATE_LIMIT_HEADERS if header in response.headers] == []
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert [path for path in paths if path == "/" or path.startswith(("/docs", "/redoc"))] == []
