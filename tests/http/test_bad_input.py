"""Bodies, queries and paths the service cannot take answer 4xx naming what is wrong, store nothing
and never 500 (docs/api.md#transport-rules): undecodable bytes, non-numbers, compressed bodies,
characters no database stores, bodies nested too deep."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellers_center.engine.payload import MAX_NESTING_DEPTH, brackets_outside_strings
from sellers_center.runtime import Runtime
from tests.http.helpers import JSON, KINDS, SUBMITS, assert_422, body_of, count_batches, send
from tests.support import BOTH_BACKENDS, SellerKey

# A number field of each kind's item, and the error a non-number there is.
NUMBER_FIELD = {
    "products": (["weight"], "finite_number"),
    "status": (["status"], "string_type"),
    "stocks": (["quantity"], "finite_number"),
    "prices": (["price", "retail_price"], "finite_number"),
}


def item_with(kind: str, path: list[str], value: Any) -> dict[str, Any]:
    item = json.loads(json.dumps(SUBMITS[kind][2]))
    target = item
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return dict(item)


# --- bytes that are not UTF-8 JSON --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_latin1_bytes_are_422_naming_their_position(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    item = item_with(kind, ["style_key" if kind == "status" else "sku"], "MÜNCHEN")
    body = body_of(item).decode().replace("\\u00dc", "Ü").encode("latin-1")
    column = body.index(b"\xdc") + 1

    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body"], "json_invalid")
    assert entry["msg"] == f"Invalid JSON: invalid unicode code point at line 1 column {column}"
    assert "input" not in entry
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_binary_body_is_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    response = await send(client, kind, b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80", seller.headers)

    entry = assert_422(response, ["body"], "json_invalid")
    assert entry["msg"] == "Invalid JSON: expected value at line 1 column 1"
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
async def test_non_numbers_in_a_number_field_are_422_naming_the_field(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, number: str
) -> None:
    path, error_type = NUMBER_FIELD[kind]
    marker = "__number__"
    body = body_of(item_with(kind, path, marker)).replace(f'"{marker}"'.encode(), number.encode())

    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body", "items", 0, *path], error_type)
    assert "input" not in entry  # not representable as JSON
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_nan_in_an_ignored_key_is_422_naming_its_position(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    """Ignored keys are echoed in the results, which would then not be JSON."""
    body = body_of({**SUBMITS[kind][2], "erp": {"note": "NaN Infinity", "margin": "x"}})
    body = body.replace(b'"margin": "x"', b'"margin": NaN')
    column = body.index(b": NaN") + 3

    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body"], "json_invalid")
    assert entry["msg"] == f"Invalid JSON: NaN is not a JSON number at line 1 column {column}"
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_gzip_body_is_415_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    body = gzip.compress(body_of(SUBMITS[kind][2]))
    headers = {**seller.headers, "Content-Encoding": "gzip"}

    response = await send(client, kind, body, headers)

    assert response.status_code == 415
    assert response.headers["content-type"] == JSON
    assert response.json() == {
        "message": "Content-Encoding gzip is not supported: send the body uncompressed "
        "(Content-Encoding: identity, or none)"
    }
    assert await count_batches(runtime) == 0


async def test_identity_content_encoding_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    headers = {**seller.headers, "Content-Encoding": "Identity"}

    response = await send(client, "stocks", body_of(SUBMITS["stocks"][2]), headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


async def test_422_echoes_a_short_input_but_not_a_long_one(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = json.dumps({"items": [{"sku": 12345, "quantity": 1}, {"sku": "x" * 500, "quantity": 1}]})

    response = await send(client, "stocks", body.encode(), seller.headers)

    assert response.status_code == 422
    short, long = response.json()["detail"]
    assert (short["type"], short["input"]) == ("string_type", 12345)
    assert long == {
        "type": "string_too_long",
        "loc": ["body", "items", 1, "sku"],
        "msg": "String should have at most 120 characters",
        "ctx": {"max_length": 120},
    }


# --- characters no database stores --------------------------------------------------------------


@BOTH_BACKENDS
@pytest.mark.parametrize("kind", KINDS)
async def test_nul_in_a_key_field_is_422_on_both_databases(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    field = "style_key" if kind == "status" else "sku"
    body = body_of(item_with(kind, [field], "AURORA\u0000-S"))
    assert b"\\u0000" in body

    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body", "items", 0, field], "string_unstorable")
    assert entry["msg"] == "String must not contain NUL (\\u0000): it cannot be stored"
    assert entry["input"] == "AURORA\u0000-S"
    assert await count_batches(runtime) == 0


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"name": "Aurora\u0000"}, ["name"]),
        ({"ean": "40063813\u000033931"}, ["ean"]),
        ({"images": ["https://img.example.com/a.jpg", "x\u0000"]}, ["images", 1]),
        ({"descriptions": {"en": "Warm\u0000"}}, ["descriptions", "en"]),
        ({"descriptions": {"e\u0000n": "Warm"}}, ["descriptions", "e\u0000n"]),
    ],
    ids=["name", "ean", "image", "description-text", "description-locale"],
)
async def test_nul_in_any_stored_product_string_is_422(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    change: dict[str, Any],
    loc: list[str | int],
) -> None:
    body = body_of({**SUBMITS["products"][2], **change})

    response = await send(client, "products", body, seller.headers)

    assert_422(response, ["body", "items", 0, *loc], "string_unstorable")
    assert await count_batches(runtime) == 0


async def test_escaped_backslash_before_u0000_is_plain_text(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = body_of(item_with("stocks", ["sku"], "AURORA\\u0000"))
    assert b"\\\\u0000" in body

    response = await send(client, "stocks", body, seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_lone_surrogate_escape_is_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str
) -> None:
    field = "style_key" if kind == "status" else "sku"
    body = body_of(item_with(kind, [field], "AURORA-__")).replace(b"__", b"\\ud800")

    response = await send(client, kind, body, seller.headers)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == 1
    assert detail[0]["loc"] in (["body"], ["body", "items", 0, field])
    assert await count_batches(runtime) == 0


@BOTH_BACKENDS
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/products/", "sku"),
        ("/api/v1/products/", "style_key"),
        ("/api/v1/products/rejected", "style_key"),
        ("/api/v1/categories/", "query"),
    ],
)
async def test_nul_in_a_query_filter_is_422_on_both_databases(
    client: httpx.AsyncClient, seller: SellerKey, path: str, name: str
) -> None:
    response = await client.get(f"{path}?{name}=AURORA%00", headers=seller.headers)

    entry = assert_422(response, ["query", name], "string_unstorable")
    assert entry["msg"] == "String must not contain NUL (\\u0000): it cannot be stored"


@pytest.mark.parametrize(
    "escaped", ["M%FCNCHEN", "A%ED%A0%80B", "%C3"], ids=["latin1", "surrogate", "cut-short"]
)
async def test_query_escapes_that_are_not_utf8_are_422(
    client: httpx.AsyncClient, seller: SellerKey, escaped: str
) -> None:
    response = await client.get(f"/api/v1/products/?sku={escaped}", headers=seller.headers)

    entry = assert_422(response, ["query", "sku"], "string_unicode")
    assert entry["msg"] == "Input should be percent-encoded UTF-8 text"


@BOTH_BACKENDS
async def test_nul_in_the_path_is_422_on_both_databases(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.delete("/api/v1/products/AURORA%00-S", headers=seller.headers)

    assert_422(response, ["path"], "string_unstorable")


# --- nesting ------------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    """A valid stock item whose ignored key ``erp`` takes the body to ``depth`` levels."""
    padding = depth - 3  # the body, items and the item are three levels
    value = "[" * padding + "]" * padding
    return body_of({**SUBMITS["stocks"][2], "erp": "__"}).replace(b'"__"', value.encode())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "body",
    [b"[" * 10_000 + b"]" * 10_000, b'{"items": ' + b"[" * 10_000],
    ids=["closed", "unclosed"],
)
async def test_a_body_nested_10000_levels_deep_is_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, body: bytes
) -> None:
    response = await send(client, kind, body, seller.headers)

    entry = assert_422(response, ["body"], "json_too_deep")
    assert entry == {
        "type": "json_too_deep",
        "loc": ["body"],
        "msg": f"JSON nested more than {MAX_NESTING_DEPTH} levels deep",
        "ctx": {"max_depth": MAX_NESTING_DEPTH},
    }
    assert await count_batches(runtime) == 0


async def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_not(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    over = await send(client, "stocks", nested(MAX_NESTING_DEPTH + 1), seller.headers)
    at_limit = await send(client, "stocks", nested(MAX_NESTING_DEPTH), seller.headers)

    assert_422(over, ["body"], "json_too_deep")
    assert at_limit.status_code == 200
    assert await count_batches(runtime) == 1


async def test_brackets_inside_strings_do_not_count(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = body_of({**SUBMITS["stocks"][2], "erp": "[" * 1000 + '\\"{' * 100})

    response = await send(client, "stocks", body, seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


def brackets_by_hand(body: bytes) -> bytes:
    """What ``brackets_outside_strings`` must find, one character at a time."""
    found, is_inside, is_escaped = [], False, False
    for character in body.decode():
        if is_escaped:
            is_escaped = False
        elif is_inside:
            is_escaped = character == "\\"
            is_inside = character != '"'
        elif character == '"':
            is_inside = True
        elif character in "[]{}":
            found.append("[" if character in "[{" else "]")
    return "".join(found).encode()


TRICKY_TEXT = st.text(alphabet='[]{}"\\a, ', max_size=8)
JSON_VALUES = st.recursive(
    TRICKY_TEXT | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=JSON_VALUES)
def test_the_depth_check_sees_exactly_the_brackets_outside_strings(value: Any) -> None:
    body = json.dumps(value).encode()

    assert brackets_outside_strings(body) == brackets_by_hand(body)
