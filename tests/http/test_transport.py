"""The transport rules (docs/api.md#transport-rules), seen from a client: auth, scoping, slashes,
bodies, errors, limits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sellers_center.accounts import service as accounts
from sellers_center.clock import ManualClock
from sellers_center.db.tables import Batch
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from tests import support
from tests.support import SellerKey

CATEGORIES = "/api/v1/categories/"
BRANDS = "/api/v1/brands/"
ECHO = "/api/v1/echo/"
ECHO_RESULTS = "/api/v1/results/echo"
JSON = "application/json; charset=utf-8"
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining")
UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings with the changes a test asks for through ``with_settings``."""
    changes: dict[str, Any] = getattr(request, "param", {})
    return settings.model_copy(update=changes)


def with_settings(**changes: Any) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("settings", [changes], indirect=True, ids=["settings"])


def echo_body(*values: str) -> dict[str, Any]:
    return {"items": [{"value": value} for value in values]}


def assert_message(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == JSON
    assert response.json() == {"message": text}


def assert_no_rate_limit_headers(response: httpx.Response) -> None:
    assert [name for name in RATE_LIMIT_HEADERS if name in response.headers] == []


def assert_validation_error(
    response: httpx.Response, loc: Sequence[str | int], error_type: str
) -> dict[str, Any]:
    """A 422 naming ``loc`` first; returns that first ``detail`` entry."""
    assert response.status_code == 422
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert set(body) == {"detail", "message"}
    first: dict[str, Any] = body["detail"][0]
    assert {"type", "loc", "msg"} <= set(first)
    assert (first["type"], first["loc"]) == (error_type, list(loc))
    where = ".".join(str(part) for part in loc)
    assert body["message"].startswith(f"Invalid request: {where}: {first['msg']}")
    return first


async def count_batches(runtime: Runtime) -> int:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(func.count()).select_from(Batch))).scalar_one()


async def issue_key(runtime: Runtime, seller_id: int, expires_in: timedelta | None = None) -> str:
    async with runtime.database.write_session.begin() as session:
        issued = await accounts.create_key(
            session, seller_id, label="tests", now=runtime.clock.now(), expires_in=expires_in
        )
    return issued.key


async def submit(client: httpx.AsyncClient, seller: SellerKey, *values: str) -> str:
    response = await client.post(ECHO, json=echo_body(*values), headers=seller.headers)
    assert response.status_code == 200
    batch_id: str = response.json()["batchRequestId"]
    return batch_id


async def call_many(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], times: int, **options: Any
) -> list[httpx.Response]:
    return [await client.get(path, headers=headers, **options) for _ in range(times)]


# --- authentication ----------------------------------------------------------------------------


async def test_missing_key_is_401_without_rate_limit_headers(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.get(CATEGORIES)

    assert_message(response, 401, "Missing API key: send it in the X-API-Key header")
    assert_no_rate_limit_headers(response)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("nonsense", "Invalid API key"),
        ("sc_000000000000_unknownsecret", "Invalid API key"),
        ("sc__", "Invalid API key"),
        ("", "Missing API key: send it in the X-API-Key header"),
    ],
    ids=["malformed", "unknown", "empty-parts", "empty"],
)
async def test_unknown_malformed_or_empty_key_is_401(
    client: httpx.AsyncClient, seller: SellerKey, key: str, text: str
) -> None:
    response = await client.get(CATEGORIES, headers={"X-API-Key": key})

    assert_message(response, 401, text)
    assert_no_rate_limit_headers(response)


async def test_right_key_id_with_wrong_secret_is_401(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    forged = f"sc_{seller.key_id}_{'x' * 43}"

    response = await client.get(CATEGORIES, headers={"X-API-Key": forged})

    assert_message(response, 401, "Invalid API key")


async def test_revoked_key_is_401(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    async with runtime.database.write_session.begin() as session:
        await accounts.revoke_key(session, seller.key_id, runtime.clock.now())

    response = await client.get(CATEGORIES, headers=seller.headers)

    assert_message(response, 401, "API key has been revoked")
    assert_no_rate_limit_headers(response)


async def test_expired_key_is_401_once_its_time_has_passed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    key = await issue_key(runtime, seller.seller_id, expires_in=timedelta(minutes=5))
    before = await client.get(CATEGORIES, headers={"X-API-Key": key})

    clock.advance(5 * 60 + 1)
    after = await client.get(CATEGORIES, headers={"X-API-Key": key})

    assert before.status_code == 200
    assert_message(after, 401, "API key has expired")
    assert_no_rate_limit_headers(after)


@pytest.mark.parametrize("header", ["x-api-key", "X-API-KEY", "X-Api-Key"])
async def test_key_header_name_is_case_insensitive(
    client: httpx.AsyncClient, seller: SellerKey, header: str
) -> None:
    response = await client.get(CATEGORIES, headers={header: seller.key})

    assert response.status_code == 200


async def test_submission_without_key_is_401_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.post(ECHO, json=echo_body("a"))

    assert_message(response, 401, "Missing API key: send it in the X-API-Key header")
    assert await count_batches(runtime) == 0


async def test_malformed_json_without_key_is_401(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.post(ECHO, content=b'{"items": [')

    assert_message(response, 401, "Missing API key: send it in the X-API-Key header")
    assert await count_batches(runtime) == 0


# --- tenant scoping -----------------------------------------------------------------------------


async def test_another_sellers_batch_is_indistinguishable_from_an_unknown_one(
    client: httpx.AsyncClient, seller: SellerKey, other_seller: SellerKey
) -> None:
    batch_id = await submit(client, seller, "a")

    foreign = await client.get(
        ECHO_RESULTS, params={"batch_request_id": batch_id}, headers=other_seller.headers
    )
    unknown = await client.get(
        ECHO_RESULTS, params={"batch_request_id": str(uuid.uuid4())}, headers=seller.headers
    )

    assert_message(foreign, 404, "Batch request not found")
    assert_message(unknown, 404, "Batch request not found")
    assert foreign.content == unknown.content


async def test_identical_bodies_of_two_sellers_are_two_batches(
    client: httpx.AsyncClient, seller: SellerKey, other_seller: SellerKey
) -> None:
    first = await submit(client, seller, "a")
    second = await submit(client, other_seller, "a")

    own = await client.get(
        ECHO_RESULTS, params={"batch_request_id": second}, headers=other_seller.headers
    )

    assert first != second
    assert own.json() == {"batchRequestId": second, "status": "pending", "items": []}


async def test_a_seller_lists_only_its_own_brands(
    client: httpx.AsyncClient, runtime: Runtime, demo_catalogue: None
) -> None:
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
        first = await accounts.create_seller(session, "first", [1101, 1102], now)
        second = await accounts.create_seller(session, "second", [1103], now)
    first_key, second_key = await issue_key(runtime, first), await issue_key(runtime, second)

    mine = await client.get(BRANDS, headers={"X-API-Key": first_key})
    theirs = await client.get(BRANDS, headers={"X-API-Key": second_key})

    assert mine.json() == [{"id": 1101, "name": "Nordwind"}, {"id": 1102, "name": "Maison Lumen"}]
    assert theirs.json() == [{"id": 1103, "name": "Calloway Thread"}]


# --- trailing slashes ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/categories/", "/api/v1/categories"])
async def test_categories_answer_with_and_without_slash_directly(
    client: httpx.AsyncClient, seller: SellerKey, path: str
) -> None:
    response = await client.get(path, headers=seller.headers, follow_redirects=False)

    assert response.status_code == 200
    assert response.history == []
    assert response.json()["pagination"]["total"] == 93


@pytest.mark.parametrize("path", ["/api/v1/echo/", "/api/v1/echo"])
async def test_submission_is_accepted_with_and_without_slash(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, path: str
) -> None:
    response = await client.post(
        path, json=echo_body("a"), headers=seller.headers, follow_redirects=False
    )

    assert response.status_code == 200
    assert response.history == []
    assert set(response.json()) == {"batchRequestId"}
    assert await count_batches(runtime) == 1


@pytest.mark.parametrize("path", ["/api/v1/results/echo", "/api/v1/results/echo/"])
async def test_results_answer_with_and_without_slash(
    client: httpx.AsyncClient, seller: SellerKey, path: str
) -> None:
    batch_id = await submit(client, seller, "a")

    response = await client.get(
        path,
        params={"batch_request_id": batch_id},
        headers=seller.headers,
        follow_redirects=False,
    )

    assert response.status_code == 200
    assert response.json() == {"batchRequestId": batch_id, "status": "pending", "items": []}


@pytest.mark.parametrize(
    "path", ["/api/v1/categories/112/attribute-groups", "/api/v1/categories/112/attribute-groups/"]
)
async def test_attribute_groups_answer_with_and_without_slash(
    client: httpx.AsyncClient, seller: SellerKey, path: str
) -> None:
    response = await client.get(path, headers=seller.headers, follow_redirects=False)

    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
async def test_liveness_answers_with_and_without_slash(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, follow_redirects=False)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- request bodies -----------------------------------------------------------------------------


async def test_json_body_without_content_type_is_parsed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.post(
        ECHO, content=b'{"items": [{"value": "a"}]}', headers=seller.headers
    )

    assert "content-type" not in response.request.headers
    assert response.status_code == 200
    assert set(response.json()) == {"batchRequestId"}
    assert await count_batches(runtime) == 1


@pytest.mark.parametrize(
    "content_type", ["application/json;charset=UTF-8", "application/json; charset=utf-8"]
)
async def test_json_body_with_charset_is_parsed(
    client: httpx.AsyncClient, seller: SellerKey, content_type: str
) -> None:
    headers = {**seller.headers, "Content-Type": content_type}

    response = await client.post(ECHO, content=b'{"items": [{"value": "a"}]}', headers=headers)

    assert response.status_code == 200
    assert set(response.json()) == {"batchRequestId"}


async def test_unknown_item_keys_are_ignored(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = {"items": [{"value": "a", "colour": "teal"}], "note": "extra"}

    response = await client.post(ECHO, json=body, headers=seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


# --- 422: schema violations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "loc", "error_type"),
    [
        ({"items": [{}]}, ["body", "items", 0, "value"], "missing"),
        ({}, ["body", "items"], "missing"),
        ({"items": [{"value": 5}]}, ["body", "items", 0, "value"], "string_type"),
        ({"items": "a"}, ["body", "items"], "list_type"),
        (echo_body(*"abcdef"), ["body", "items"], "too_long"),
        ({"items": []}, ["body", "items"], "too_short"),
        (echo_body("a", "x" * 41), ["body", "items", 1, "value"], "string_too_long"),
        (
            {"items": [{"value": "a", "sleep": 11}]},
            ["body", "items", 0, "sleep"],
            "less_than_equal",
        ),
    ],
    ids=[
        "missing-item-key",
        "missing-items",
        "wrong-type",
        "items-not-a-list",
        "six-items",
        "zero-items",
        "value-too-long",
        "out-of-range",
    ],
)
async def test_schema_violation_is_422_and_stores_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    body: dict[str, Any],
    loc: list[str | int],
    error_type: str,
) -> None:
    response = await client.post(ECHO, json=body, headers=seller.headers)

    assert_validation_error(response, loc, error_type)
    assert await count_batches(runtime) == 0


async def test_one_bad_item_rejects_the_whole_request(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = {"items": [{"value": "good"}, {"value": 7}, {"value": "good too"}]}

    response = await client.post(ECHO, json=body, headers=seller.headers)

    assert_validation_error(response, ["body", "items", 1, "value"], "string_type")
    assert [entry["loc"] for entry in response.json()["detail"]] == [["body", "items", 1, "value"]]
    assert await count_batches(runtime) == 0


async def test_missing_item_key_message_names_the_location(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.post(ECHO, json={"items": [{}]}, headers=seller.headers)

    assert response.json()["message"] == "Invalid request: body.items.0.value: Field required"


async def test_many_violations_are_summarised_in_one_message(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body: dict[str, list[dict[str, Any]]] = {"items": [{}, {}, {}, {}, {}]}

    response = await client.post(ECHO, json=body, headers=seller.headers)

    assert response.status_code == 422
    assert len(response.json()["detail"]) == 5
    assert response.json()["message"] == (
        "Invalid request: body.items.0.value: Field required; "
        "body.items.1.value: Field required; body.items.2.value: Field required (and 2 more)"
    )


async def test_malformed_json_is_422_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.post(ECHO, content=b'{"items": [', headers=seller.headers)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "message"}
    assert body["detail"][0]["type"] == "json_invalid"
    assert body["detail"][0]["loc"][0] == "body"
    assert body["message"].startswith("Invalid request: body")
    assert await count_batches(runtime) == 0


async def test_malformed_json_still_carries_rate_limit_headers(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.post(ECHO, content=b'{"items": [', headers=seller.headers)

    assert response.status_code == 422
    assert response.headers["x-ratelimit-limit"] == "200"
    assert response.headers["x-ratelimit-remaining"] == "199"


@pytest.mark.parametrize(
    ("params", "error_type"),
    [({"batch_request_id": "not-a-uuid"}, "uuid_parsing"), ({}, "missing")],
    ids=["non-uuid", "missing"],
)
async def test_results_need_a_uuid_batch_request_id(
    client: httpx.AsyncClient, seller: SellerKey, params: dict[str, str], error_type: str
) -> None:
    response = await client.get(ECHO_RESULTS, params=params, headers=seller.headers)

    assert_validation_error(response, ["query", "batch_request_id"], error_type)


async def test_422_on_an_authenticated_endpoint_carries_rate_limit_headers(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.post(ECHO, json={"items": []}, headers=seller.headers)

    assert response.status_code == 422
    assert response.headers["x-ratelimit-limit"] == "200"
    assert response.headers["x-ratelimit-remaining"] == "199"


# --- 404, 405, 413 ------------------------------------------------------------------------------


async def test_unknown_path_is_404_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing")

    assert_message(response, 404, "Not found: GET /api/v1/nothing")


async def test_wrong_method_on_an_existing_path_is_405_with_allow(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.delete(CATEGORIES, headers=seller.headers)

    assert_message(
        response, 405, "Method DELETE is not allowed on /api/v1/categories/ (allowed: GET)"
    )
    assert response.headers["allow"] == "GET"


async def test_get_on_a_submit_path_is_405_and_stores_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.get(ECHO, headers=seller.headers)

    assert_message(response, 405, "Method GET is not allowed on /api/v1/echo/ (allowed: POST)")
    assert [m.strip() for m in response.headers["allow"].split(",")] == ["POST"]
    assert await count_batches(runtime) == 0


def oversized_echo_body(size: int) -> bytes:
    body = b'{"items": [{"value": "a"}], "padding": "' + b"x" * size + b'"}'
    assert len(body) > size
    return body


@with_settings(max_body_bytes=2048)
async def test_declared_body_over_the_limit_is_413(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    response = await client.post(ECHO, content=oversized_echo_body(2048), headers=seller.headers)

    assert "content-length" in response.request.headers
    assert_message(response, 413, "Request body too large: the limit is 2048 bytes")
    assert await count_batches(runtime) == 0


@with_settings(max_body_bytes=2048)
async def test_streamed_body_over_the_limit_is_413(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = oversized_echo_body(2048)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = await client.post(ECHO, content=chunks(), headers=seller.headers)

    assert "content-length" not in response.request.headers
    assert_message(response, 413, "Request body too large: the limit is 2048 bytes")
    assert await count_batches(runtime) == 0


@with_settings(max_body_bytes=2048)
async def test_body_at_the_limit_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    head = b'{"items": [{"value": "a"}], "padding": "'
    body = head + b"x" * (2048 - len(head) - 2) + b'"}'
    assert len(body) == 2048

    response = await client.post(ECHO, content=body, headers=seller.headers)

    assert response.status_code == 200
    assert await count_batches(runtime) == 1


# --- content type -------------------------------------------------------------------------------


async def test_every_json_response_says_utf8_json(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    batch_id = await submit(client, seller, "a")
    responses = [
        await client.get(CATEGORIES, headers=seller.headers),
        await client.get("/api/v1/categories/112/attribute-groups", headers=seller.headers),
        await client.get(BRANDS, headers=seller.headers),
        await client.get("/api/v1/countries/", headers=seller.headers),
        await client.post(ECHO, json=echo_body("b"), headers=seller.headers),
        await client.get(
            ECHO_RESULTS, params={"batch_request_id": batch_id}, headers=seller.headers
        ),
        await client.get(ECHO_RESULTS, params={"batch_request_id": "x"}, headers=seller.headers),
        await client.get(CATEGORIES),
        await client.get("/api/v1/nothing"),
        await client.delete(CATEGORIES, headers=seller.headers),
        await client.get("/healthz"),
        await client.get("/readyz"),
    ]

    assert [r.headers["content-type"] for r in responses] == [JSON] * len(responses)
    assert [r.status_code for r in responses] == [
        200, 200, 200, 200, 200, 200, 422, 401, 404, 405, 200, 200
    ]  # fmt: skip


# --- rate limits --------------------------------------------------------------------------------


async def test_categories_allow_100_calls_a_minute_counting_down(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    responses = await call_many(client, CATEGORIES, seller.headers, 100)

    assert [r.status_code for r in responses] == [200] * 100
    assert {r.headers["x-ratelimit-limit"] for r in responses} == {"100"}
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
    assert remaining == list(range(99, -1, -1))


async def test_the_101st_categories_call_is_429_with_retry_after(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    await call_many(client, CATEGORIES, seller.headers, 100)

    response = await client.get(CATEGORIES, headers=seller.headers)

    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60
    assert_message(
        response,
        429,
        f"Rate limit exceeded: 100 requests per minute on this endpoint; retry in {retry_after} s",
    )
    assert response.headers["x-ratelimit-limit"] == "100"
    assert response.headers["x-ratelimit-remaining"] == "0"


async def test_the_201st_results_call_is_429(client: httpx.AsyncClient, seller: SellerKey) -> None:
    batch_id = await submit(client, seller, "a")
    params = {"batch_request_id": batch_id}

    responses = await call_many(client, ECHO_RESULTS, seller.headers, 201, params=params)

    assert [r.status_code for r in responses] == [200] * 200 + [429]
    assert responses[-1].headers["x-ratelimit-limit"] == "200"


async def test_results_calls_for_unknown_ids_count_too(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    params = {"batch_request_id": str(uuid.uuid4())}

    responses = await call_many(client, ECHO_RESULTS, seller.headers, 201, params=params)

    assert [r.status_code for r in responses] == [404] * 200 + [429]
    assert responses[199].headers["x-ratelimit-remaining"] == "0"


@with_settings(rate_limits={"categories": 3})
async def test_operator_override_sets_the_limit(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    responses = await call_many(client, CATEGORIES, seller.headers, 4)

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-limit"] for r in responses] == ["3"] * 4
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]


@with_settings(rate_limits={"categories": 3})
async def test_limits_are_per_key(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    second_key = {"X-API-Key": await issue_key(runtime, seller.seller_id)}
    exhausted = await call_many(client, CATEGORIES, seller.headers, 4)

    same_seller = await client.get(CATEGORIES, headers=second_key)
    other = await client.get(CATEGORIES, headers=other_seller.headers)

    assert exhausted[-1].status_code == 429
    assert (same_seller.status_code, same_seller.headers["x-ratelimit-remaining"]) == (200, "2")
    assert (other.status_code, other.headers["x-ratelimit-remaining"]) == (200, "2")


@with_settings(rate_limits={"categories": 3})
async def test_limits_are_per_endpoint(client: httpx.AsyncClient, seller: SellerKey) -> None:
    exhausted = await call_many(client, CATEGORIES, seller.headers, 4)

    brands = await client.get(BRANDS, headers=seller.headers)
    groups = await client.get("/api/v1/categories/112/attribute-groups", headers=seller.headers)

    assert exhausted[-1].status_code == 429
    assert (brands.status_code, brands.headers["x-ratelimit-limit"]) == (200, "100")
    assert (brands.headers["x-ratelimit-remaining"]) == "99"
    assert (groups.status_code, groups.headers["x-ratelimit-limit"]) == (200, "300")


@with_settings(rate_limits={"categories": 3})
async def test_the_no_slash_alias_shares_the_limit(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    with_slash = await call_many(client, "/api/v1/categories/", seller.headers, 3)

    without_slash = await client.get("/api/v1/categories", headers=seller.headers)

    assert [r.status_code for r in with_slash] == [200] * 3
    assert without_slash.status_code == 429


@with_settings(rate_limits={"categories": 3})
async def test_refused_auth_does_not_count_against_the_limit(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    await call_many(client, CATEGORIES, {"X-API-Key": "sc_nobody_nothing"}, 5)

    response = await client.get(CATEGORIES, headers=seller.headers)

    assert response.headers["x-ratelimit-remaining"] == "2"


@with_settings(rate_limits_enabled=False)
async def test_disabled_limits_send_no_headers_and_never_refuse(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    responses = await call_many(client, CATEGORIES, seller.headers, 150)

    assert [r.status_code for r in responses] == [200] * 150
    assert [r for r in responses if set(RATE_LIMIT_HEADERS) & set(r.headers)] == []


# --- health probes ------------------------------------------------------------------------------


async def test_liveness_needs_no_key_and_is_not_limited(client: httpx.AsyncClient) -> None:
    responses = await call_many(client, "/healthz", {}, 3)

    assert [(r.status_code, r.json()) for r in responses] == [(200, {"status": "ok"})] * 3
    assert_no_rate_limit_headers(responses[-1])


async def test_readiness_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}
    assert_no_rate_limit_headers(response)


async def test_readiness_is_503_when_the_database_is_unreachable(
    settings: Settings, kinds: KindsFactory
) -> None:
    unreachable = Runtime.from_settings(
        settings.model_copy(update={"database_url": UNREACHABLE_DATABASE}), kinds
    )
    transport = httpx.ASGITransport(app=support.app_of(unreachable))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/readyz")
    finally:
        await unreachable.database.dispose()

    assert response.status_code == 503
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error")


# --- results of a pending batch -----------------------------------------------------------------


async def test_pending_batch_results_have_no_items(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    batch_id = await submit(client, seller, "a", "b")

    response = await client.get(
        ECHO_RESULTS, params={"batch_request_id": batch_id}, headers=seller.headers
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"batchRequestId": batch_id, "status": "pending", "items": []}
    assert uuid.UUID(batch_id).version == 7


async def test_byte_identical_resubmission_while_pending_returns_the_same_id(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    body = b'{"items": [{"value": "a"}]}'

    first = await client.post(ECHO, content=body, headers=seller.headers)
    second = await client.post(ECHO, content=body, headers=seller.headers)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert await count_batches(runtime) == 1


async def test_different_body_is_a_new_batch(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    first = await submit(client, seller, "a")
    second = await submit(client, seller, "b")

    assert first != second
    assert await count_batches(runtime) == 2
