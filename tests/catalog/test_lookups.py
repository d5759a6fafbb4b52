"""The catalogue lookups (docs/api.md#catalogue-lookups) against the demo catalogue: categories,
groups, brands, countries."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import httpx
import pytest

from sellers_center.accounts import service as accounts
from sellers_center.runtime import Runtime
from tests.support import SellerKey

CATEGORIES = "/api/v1/categories/"
CATEGORY_KEYS = {"id", "name", "path", "parent_id", "material_composition_type"}
GROUP_KEYS = {"id", "name", "frontend_name", "is_multiselect", "required", "attributes"}
ATTRIBUTE_KEYS = {"id", "name", "frontend_name"}
DEMO_CATEGORY_COUNT = 93
# Women > Clothing > Jackets & coats > Jackets, and the groups set along that path.
JACKETS = 112
JACKETS_GROUPS = {1, 20, 21, 30, 10, 32, 37, 1441}
JACKET_STYLE = 1441


def demo_file() -> dict[str, Any]:
    """The demo catalogue as the data file holds it, read without the service's own parser."""
    data = resources.files("sellers_center.catalog").joinpath("data", "demo_catalogue.json")
    document: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    return document


def demo_group(group_id: int) -> dict[str, Any]:
    return next(group for group in demo_file()["attribute_groups"] if group["id"] == group_id)


def as_lookup_group(group: dict[str, Any]) -> dict[str, Any]:
    """A file's group as the lookup serves it: the same, less its ``role``."""
    return {key: value for key, value in group.items() if key != "role"}


async def get_json(client: httpx.AsyncClient, seller: SellerKey, path: str, **params: Any) -> Any:
    # httpx replaces a query string already in ``path`` with ``params``, even an empty one.
    response = await client.get(path, params=params or None, headers=seller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


# --- categories ---------------------------------------------------------------------------------


async def test_category_items_have_exactly_the_documented_keys(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, per_page=100)

    assert set(body) == {"items", "pagination"}
    assert len(body["items"]) == DEMO_CATEGORY_COUNT
    assert [set(item) for item in body["items"]] == [CATEGORY_KEYS] * DEMO_CATEGORY_COUNT


async def test_category_item_carries_path_parent_and_composition(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, parent_category=111)

    assert body["items"] == [
        {
            "id": 112,
            "name": "Jackets",
            "path": "Women > Clothing > Jackets & coats > Jackets",
            "parent_id": 111,
            "material_composition_type": "textile",
        },
        {
            "id": 113,
            "name": "Coats",
            "path": "Women > Clothing > Jackets & coats > Coats",
            "parent_id": 111,
            "material_composition_type": "textile",
        },
    ]


async def test_root_category_has_no_parent_and_no_composition(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, query="kids")

    root = next(item for item in body["items"] if item["id"] == 300)
    assert root == {
        "id": 300,
        "name": "Kids",
        "path": "Kids",
        "parent_id": None,
        "material_composition_type": None,
    }


async def test_query_needs_every_word_in_the_path(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, query="kids jackets")

    assert ids(body["items"]) == [312]
    assert body["items"][0]["path"] == "Kids > Clothing > Jackets"


async def test_query_is_case_insensitive_and_matches_any_level(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, query="JACKETS")

    assert sorted(ids(body["items"])) == [111, 112, 113, 211, 212, 213, 312]
    assert body["pagination"]["total"] == 7


async def test_query_matching_nothing_is_an_empty_page(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, query="spacesuits")

    assert body == {
        "items": [],
        "pagination": {
            "page": 1,
            "per_page": 20,
            "pages": 0,
            "total": 0,
            "next": None,
            "prev": None,
        },
    }


async def test_parent_filter_combines_with_query(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, parent_category=240, query="boots")

    assert ids(body["items"]) == [242]


async def test_first_page_has_next_but_no_prev(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES)

    assert len(body["items"]) == 20
    assert body["pagination"] == {
        "page": 1,
        "per_page": 20,
        "pages": 5,
        "total": DEMO_CATEGORY_COUNT,
        "next": "/api/v1/categories/?page=2&per_page=20",
        "prev": None,
    }


async def test_page_links_keep_the_other_query_parameters(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, CATEGORIES, query="jackets", page=2, per_page=2)

    assert len(body["items"]) == 2
    assert body["pagination"] == {
        "page": 2,
        "per_page": 2,
        "pages": 4,
        "total": 7,
        "next": "/api/v1/categories/?query=jackets&page=3&per_page=2",
        "prev": "/api/v1/categories/?query=jackets&page=1&per_page=2",
    }


async def test_following_next_links_visits_every_match_once(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    seen: list[int] = []
    link: str | None = f"{CATEGORIES}?query=jackets&per_page=3"
    while link is not None and len(seen) < 2 * 7:
        body = await get_json(client, seller, link)
        seen += ids(body["items"])
        link = body["pagination"]["next"]

    assert sorted(seen) == [111, 112, 113, 211, 212, 213, 312]


async def test_last_page_has_prev_but_no_next(client: httpx.AsyncClient, seller: SellerKey) -> None:
    body = await get_json(client, seller, CATEGORIES, page=5)

    assert len(body["items"]) == DEMO_CATEGORY_COUNT - 80
    assert body["pagination"]["next"] is None
    assert body["pagination"]["prev"] == "/api/v1/categories/?page=4&per_page=20"


async def test_page_beyond_the_end_is_empty(client: httpx.AsyncClient, seller: SellerKey) -> None:
    body = await get_json(client, seller, CATEGORIES, page=9)

    assert body["items"] == []
    assert body["pagination"]["total"] == DEMO_CATEGORY_COUNT
    assert body["pagination"]["next"] is None


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"per_page": 101}, ["query", "per_page"]),
        ({"per_page": 0}, ["query", "per_page"]),
        ({"page": 0}, ["query", "page"]),
        ({"page": "two"}, ["query", "page"]),
        ({"parent_category": "women"}, ["query", "parent_category"]),
    ],
    ids=["per-page-101", "per-page-0", "page-0", "page-not-a-number", "parent-not-a-number"],
)
async def test_out_of_range_paging_is_422(
    client: httpx.AsyncClient, seller: SellerKey, params: dict[str, Any], loc: list[str]
) -> None:
    response = await client.get(CATEGORIES, params=params, headers=seller.headers)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "message"}
    assert [entry["loc"] for entry in body["detail"]] == [loc]
    assert body["message"].startswith(f"Invalid request: {'.'.join(loc)}: ")


# --- attribute groups ---------------------------------------------------------------------------


async def test_attribute_groups_are_a_bare_array_with_the_documented_keys(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    groups = await get_json(client, seller, f"/api/v1/categories/{JACKETS}/attribute-groups")

    assert isinstance(groups, list)
    assert [set(group) for group in groups] == [GROUP_KEYS] * len(groups)
    attributes = [attribute for group in groups for attribute in group["attributes"]]
    assert attributes
    assert [set(attribute) for attribute in attributes] == [ATTRIBUTE_KEYS] * len(attributes)


async def test_leaf_gets_its_own_and_every_inherited_group_once(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    groups = await get_json(client, seller, f"/api/v1/categories/{JACKETS}/attribute-groups")

    assert sorted(ids(groups)) == sorted(JACKETS_GROUPS)
    assert len(groups) == len(JACKETS_GROUPS)


async def test_inherited_colour_group_is_served_whole(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    groups = await get_json(client, seller, f"/api/v1/categories/{JACKETS}/attribute-groups")

    colour = next(group for group in groups if group["id"] == 1)
    assert colour == as_lookup_group(demo_group(1))
    assert colour["name"] == "color"


async def test_category_specific_group_is_required(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    groups = await get_json(client, seller, f"/api/v1/categories/{JACKETS}/attribute-groups")

    jacket_style = next(group for group in groups if group["id"] == JACKET_STYLE)
    assert jacket_style == as_lookup_group(demo_group(JACKET_STYLE))
    assert (jacket_style["name"], jacket_style["required"]) == ("jacket_style", True)
    assert jacket_style["attributes"][0] == {
        "id": 2201,
        "name": "bomber",
        "frontend_name": "Bomber",
    }


async def test_optional_group_says_so(client: httpx.AsyncClient, seller: SellerKey) -> None:
    groups = await get_json(client, seller, f"/api/v1/categories/{JACKETS}/attribute-groups")

    pattern = next(group for group in groups if group["id"] == 30)
    assert (pattern["name"], pattern["required"], pattern["is_multiselect"]) == (
        "pattern",
        False,
        True,
    )


async def test_sibling_without_own_groups_inherits_only(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    groups = await get_json(client, seller, "/api/v1/categories/113/attribute-groups")

    assert sorted(ids(groups)) == sorted(JACKETS_GROUPS - {JACKET_STYLE})


async def test_unknown_category_groups_are_404(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.get(
        "/api/v1/categories/999999/attribute-groups", headers=seller.headers
    )

    assert response.status_code == 404
    assert response.json() == {"message": "Category 999999 not found"}


# --- brands -------------------------------------------------------------------------------------


def demo_brands() -> list[dict[str, Any]]:
    group = next(group for group in demo_file()["attribute_groups"] if group["role"] == "brand")
    return [{"id": brand["id"], "name": brand["frontend_name"]} for brand in group["attributes"]]


async def test_seller_with_every_brand_lists_them_all(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    brands = await get_json(client, seller, "/api/v1/brands/")

    assert isinstance(brands, list)
    assert sorted(brands, key=lambda brand: brand["id"]) == demo_brands()
    assert len(brands) == 15


async def test_seller_sees_only_the_brands_granted_to_it(
    client: httpx.AsyncClient, runtime: Runtime, demo_catalogue: None
) -> None:
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
        seller_id = await accounts.create_seller(session, "two-brands", [1104, 1101], now)
        issued = await accounts.create_key(session, seller_id, label="tests", now=now)

    response = await client.get("/api/v1/brands/", headers={"X-API-Key": issued.key})

    assert response.status_code == 200
    assert sorted(response.json(), key=lambda brand: brand["id"]) == [
        {"id": 1101, "name": "Nordwind"},
        {"id": 1104, "name": "Elvaro"},
    ]


# --- countries ----------------------------------------------------------------------------------


async def test_countries_lists_countries_locales_and_currencies(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, "/api/v1/countries/")

    demo = demo_file()
    assert set(body) == {"countries", "locales", "currencies"}
    assert body["countries"] == [{"code": c["code"], "name": c["name"]} for c in demo["countries"]]
    assert body["locales"] == demo["locales"]


async def test_each_country_has_exactly_one_currency(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    body = await get_json(client, seller, "/api/v1/countries/")

    currencies = body["currencies"]
    assert [set(entry) for entry in currencies] == [{"country_code", "code", "name"}] * len(
        currencies
    )
    assert sorted(entry["country_code"] for entry in currencies) == sorted(
        country["code"] for country in body["countries"]
    )


@pytest.mark.parametrize(
    ("country", "currency"),
    [
        ("DE", {"country_code": "DE", "code": "EUR", "name": "Euro"}),
        ("PL", {"country_code": "PL", "code": "PLN", "name": "Polish zloty"}),
        ("SE", {"country_code": "SE", "code": "SEK", "name": "Swedish krona"}),
    ],
)
async def test_country_currency(
    client: httpx.AsyncClient, seller: SellerKey, country: str, currency: dict[str, str]
) -> None:
    body = await get_json(client, seller, "/api/v1/countries/")

    assert [entry for entry in body["currencies"] if entry["country_code"] == country] == [currency]
