"""Catalogue import and export (service level), and the per-process cache that follows imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sellers_center.accounts import service as accounts
from sellers_center.catalog import service as catalog
from sellers_center.catalog.document import CatalogDocument
from sellers_center.catalog.service import ImportOutcome
from sellers_center.db import Database
from sellers_center.db.tables import CatalogState
from sellers_center.errors import InvalidInputError
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

JACKETS = 112
BRAND_GROUP = 2
PATTERN_GROUP = 30
DROPPED_PATTERN = 1813
DROPPED_BRAND = 1102
NEW_BRAND = {"id": 1199, "name": "new_brand", "frontend_name": "New Brand"}

Change = Callable[[dict[str, Any]], None]


def edited(change: Change) -> CatalogDocument:
    """The demo catalogue with ``change`` applied to its plain-data form."""
    data = catalog.demo_document().model_dump()
    change(data)
    return CatalogDocument.model_validate(data)


def category(data: dict[str, Any], category_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["categories"] if c["id"] == category_id)
    return found


def group(data: dict[str, Any], group_id: int) -> dict[str, Any]:
    found: dict[str, Any] = next(g for g in data["attribute_groups"] if g["id"] == group_id)
    return found


def drop_attribute(data: dict[str, Any], group_id: int, attribute_id: int) -> None:
    owner = group(data, group_id)
    owner["attributes"] = [a for a in owner["attributes"] if a["id"] != attribute_id]


def modify(data: dict[str, Any]) -> None:
    """Rename a category, drop a pattern and a brand, add a brand."""
    category(data, JACKETS)["name"] = "Jackets & blazers"
    drop_attribute(data, PATTERN_GROUP, DROPPED_PATTERN)
    drop_attribute(data, BRAND_GROUP, DROPPED_BRAND)
    group(data, BRAND_GROUP)["attributes"].append(NEW_BRAND)


async def import_document(database: Database, document: CatalogDocument) -> ImportOutcome:
    async with database.write_session.begin() as session:
        return await catalog.import_document(session, document)


async def export_document(runtime: Runtime) -> CatalogDocument:
    async with runtime.database.read_session() as session:
        return await catalog.export_document(session)


async def stored_version(runtime: Runtime) -> int:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(CatalogState.version))).scalar_one()


async def brands_of(runtime: Runtime, seller_id: int) -> list[tuple[int, str]]:
    async with runtime.database.read_session() as session:
        return await accounts.seller_brands(session, seller_id)


# --- import and export --------------------------------------------------------------------------


async def test_first_import_into_an_empty_database_changes_it(
    runtime: Runtime, empty_catalogue: None
) -> None:
    assert await stored_version(runtime) == 0

    outcome = await import_document(runtime.database, catalog.demo_document())

    assert outcome == ImportOutcome(changed=True, version=1)
    assert await stored_version(runtime) == 1


async def test_importing_the_same_document_again_changes_nothing(
    runtime: Runtime, demo_catalogue: None
) -> None:
    outcome = await import_document(runtime.database, catalog.demo_document())

    assert outcome == ImportOutcome(changed=False, version=1)
    assert await stored_version(runtime) == 1


async def test_reordered_lists_are_the_same_catalogue(
    runtime: Runtime, demo_catalogue: None
) -> None:
    def reverse_every_list(data: dict[str, Any]) -> None:
        for key in ("attribute_groups", "categories", "countries", "currencies", "locales"):
            data[key].reverse()

    outcome = await import_document(runtime.database, edited(reverse_every_list))

    assert outcome == ImportOutcome(changed=False, version=1)


async def test_export_equals_the_imported_document(runtime: Runtime, demo_catalogue: None) -> None:
    exported = await export_document(runtime)

    assert exported.model_dump() == catalog.demo_document().model_dump()


async def test_changed_document_bumps_the_version(runtime: Runtime, demo_catalogue: None) -> None:
    outcome = await import_document(runtime.database, edited(modify))

    assert outcome == ImportOutcome(changed=True, version=2)
    assert await stored_version(runtime) == 2


async def test_export_reflects_the_changed_document(runtime: Runtime, demo_catalogue: None) -> None:
    changed = edited(modify)
    await import_document(runtime.database, changed)

    exported = (await export_document(runtime)).model_dump()

    assert exported == changed.model_dump()
    assert category(exported, JACKETS)["name"] == "Jackets & blazers"
    pattern_ids = [a["id"] for a in group(exported, PATTERN_GROUP)["attributes"]]
    assert DROPPED_PATTERN not in pattern_ids
    brand_ids = [a["id"] for a in group(exported, BRAND_GROUP)["attributes"]]
    assert (DROPPED_BRAND in brand_ids, NEW_BRAND["id"] in brand_ids) == (False, True)


def move_hungary_to_the_euro(data: dict[str, Any]) -> None:
    """Hungary adopts the euro: its currency changes and the forint leaves the catalogue."""
    next(c for c in data["countries"] if c["code"] == "HU")["currency_code"] = "EUR"
    data["currencies"] = [c for c in data["currencies"] if c["code"] != "HUF"]


async def test_a_country_can_move_to_another_currency_and_drop_the_old_one(
    runtime: Runtime, demo_catalogue: None
) -> None:
    changed = edited(move_hungary_to_the_euro)

    outcome = await import_document(runtime.database, changed)

    exported = (await export_document(runtime)).model_dump()
    assert outcome == ImportOutcome(changed=True, version=2)
    assert exported == changed.model_dump()
    assert "HUF" not in {currency["code"] for currency in exported["currencies"]}


async def test_grant_of_a_dropped_brand_disappears_and_the_others_stay(
    runtime: Runtime, demo_catalogue: None
) -> None:
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
        seller_id = await accounts.create_seller(session, "two-brands", [1101, DROPPED_BRAND], now)

    await import_document(runtime.database, edited(modify))

    assert await brands_of(runtime, seller_id) == [(1101, "Nordwind")]


async def test_renamed_brand_keeps_its_grants(runtime: Runtime, demo_catalogue: None) -> None:
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
        seller_id = await accounts.create_seller(session, "one-brand", [1101], now)

    def rename_brand(data: dict[str, Any]) -> None:
        group(data, BRAND_GROUP)["attributes"][0]["frontend_name"] = "Nordwind Studio"

    await import_document(runtime.database, edited(rename_brand))

    assert await brands_of(runtime, seller_id) == [(1101, "Nordwind Studio")]


def unknown_parent(data: dict[str, Any]) -> None:
    category(data, JACKETS)["parent_id"] = 999


def cycle(data: dict[str, Any]) -> None:
    category(data, 100)["parent_id"] = JACKETS


def unknown_group(data: dict[str, Any]) -> None:
    category(data, JACKETS)["attribute_groups"].append(9999)


def duplicate_attribute(data: dict[str, Any]) -> None:
    group(data, PATTERN_GROUP)["attributes"].append(
        {"id": 1001, "name": "black_again", "frontend_name": "Black again"}
    )


def unknown_currency(data: dict[str, Any]) -> None:
    next(c for c in data["countries"] if c["code"] == "DE")["currency_code"] = "XXX"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (unknown_parent, "category 112 has unknown parent 999"),
        (cycle, "category 100 is its own ancestor"),
        (unknown_group, "category 112 refers to unknown group 9999"),
        (duplicate_attribute, "attribute 1001 appears twice"),
        (unknown_currency, "country DE has unknown currency XXX"),
    ],
    ids=["unknown-parent", "cycle", "unknown-group", "duplicate-attribute", "unknown-currency"],
)
async def test_invalid_document_is_refused_and_changes_nothing(
    runtime: Runtime, demo_catalogue: None, change: Change, problem: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await import_document(runtime.database, edited(change))

    assert refused.value.message.startswith("Invalid catalogue: ")
    assert problem in refused.value.message
    assert await stored_version(runtime) == 1
    assert (await export_document(runtime)).model_dump() == catalog.demo_document().model_dump()


async def test_invalid_document_is_refused_by_an_empty_database(
    runtime: Runtime, empty_catalogue: None
) -> None:
    with pytest.raises(InvalidInputError, match="category 112 has unknown parent 999"):
        await import_document(runtime.database, edited(unknown_parent))

    assert await stored_version(runtime) == 0
    async with runtime.database.read_session() as session:
        assert await catalog.is_empty(session)


# --- the per-process cache ----------------------------------------------------------------------


async def test_cache_keeps_one_catalogue_while_the_version_stands(
    runtime: Runtime, demo_catalogue: None
) -> None:
    async with runtime.database.read_session() as session:
        first = await runtime.catalog.get(session)

    await import_document(runtime.database, catalog.demo_document())
    async with runtime.database.read_session() as session:
        second = await runtime.catalog.get(session)

    assert second is first
    assert first.version == 1


async def test_cache_rebuilds_after_an_import_bumps_the_version(
    runtime: Runtime, demo_catalogue: None
) -> None:
    async with runtime.database.read_session() as session:
        before = await runtime.catalog.get(session)

    await import_document(runtime.database, edited(modify))
    async with runtime.database.read_session() as session:
        after = await runtime.catalog.get(session)

    assert after is not before
    assert (before.version, after.version) == (1, 2)
    assert before.categories[JACKETS].entry.name == "Jackets"
    assert after.categories[JACKETS].entry.name == "Jackets & blazers"
    assert (
        after.categories[JACKETS].path == "Women > Clothing > Jackets & coats > Jackets & blazers"
    )


async def test_api_sees_an_import_made_by_another_process(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    params = {"parent_category": 111}
    before = await client.get("/api/v1/categories/", params=params, headers=seller.headers)

    elsewhere = Database(runtime.settings.database_url)
    try:
        await import_document(elsewhere, edited(modify))
    finally:
        await elsewhere.dispose()
    after = await client.get("/api/v1/categories/", params=params, headers=seller.headers)

    assert [item["name"] for item in before.json()["items"]] == ["Jackets", "Coats"]
    assert [item["name"] for item in after.json()["items"]] == ["Jackets & blazers", "Coats"]


async def test_api_attribute_groups_follow_an_import(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    path = "/api/v1/categories/112/attribute-groups"
    await client.get(path, headers=seller.headers)

    await import_document(runtime.database, edited(modify))
    groups = (await client.get(path, headers=seller.headers)).json()

    pattern = next(g for g in groups if g["id"] == PATTERN_GROUP)
    assert DROPPED_PATTERN not in [a["id"] for a in pattern["attributes"]]


async def test_api_brands_follow_an_import(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    before = (await client.get("/api/v1/brands/", headers=seller.headers)).json()

    await import_document(runtime.database, edited(modify))
    after = (await client.get("/api/v1/brands/", headers=seller.headers)).json()

    before_ids, after_ids = {b["id"] for b in before}, {b["id"] for b in after}
    assert DROPPED_BRAND in before_ids
    assert DROPPED_BRAND not in after_ids
    assert before_ids - {DROPPED_BRAND} <= after_ids
