"""The products batch end to end on both databases: results, storage, replacement, idempotence."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import delete, event, func, select, update

from sellers_center.catalog.service import CatalogCache
from sellers_center.db.tables import ProductStyle, ProductVariant, SellerBrand
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.lifecycle.rules import PUBLICATION
from sellers_center.products import service as products
from sellers_center.products.rules import messages
from sellers_center.products.schemas import UpsertProductItemSchema
from sellers_center.runtime import Runtime
from tests.products.factory import BRAND, NAVY, SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


async def stored(
    client: httpx.AsyncClient, seller: SellerKey, **filters: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/products/", params={**filters, "per_page": "100"}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def without_times(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in item.items() if k not in ("created_at", "updated_at")} for item in items
    ]


async def test_mixed_batch_answers_per_item_in_order_and_stores_only_valid_items(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    items = [
        jacket(sku="JKT-1-S", unknown_field={"kept": "in the echo"}),
        jacket(sku="JKT-1-M", size=None),
        jacket(sku="JKT-1-L", size=1205, prices=[{"country_code": "DE", "retail_price": 99.5}]),
        jacket(sku="JKT-1-XL", size=1206, category=999),
    ]

    results = await upsert(client, runtime, seller, items)

    assert results["status"] == "completed"
    assert [entry["requestItem"] for entry in results["items"]] == items
    assert [entry["success"] for entry in results["items"]] == [True, False, False, False]
    assert results["items"][0]["errors"] == []
    assert results["items"][1]["errors"] == [
        "Size is required for this category: category 112 uses sizes from 'Clothing size'"
    ]
    assert results["items"][2]["errors"] == [
        "Price missing for country AT, which is listed in countries"
    ]
    assert results["items"][3]["errors"] == [
        "Category not found: 999",
        "Category 999 differs from category 112 of the other variants of style JKT-1",
    ]
    assert [item["sku"] for item in await stored(client, seller)] == ["JKT-1-S"]


async def test_new_style_starts_as_draft_and_variant_is_stored_normalised(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    item = jacket(country_of_origin="pt", countries=["de", "AT"])
    item["prices"][0]["country_code"] = "de"

    await upsert(client, runtime, seller, [item])

    [product] = without_times(await stored(client, seller))
    assert product == {
        **item,
        "country_of_origin": "PT",
        "countries": ["DE", "AT"],
        "prices": [
            {"country_code": "DE", "retail_price": 129.95, "sale_price": None},
            {"country_code": "AT", "retail_price": 134.95, "sale_price": 99.95},
        ],
        "description": None,
        "second_size": None,
        "material_composition_non_textile": None,
        "quantity_fbm": None,  # no units in the marketplace's warehouse
        "colorway_key": "JKT-1-1001",  # the style key and the colour id
        "status": "draft",
    }


async def test_upsert_replaces_the_whole_variant(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    replacement = jacket(color=NAVY, quantity=1)
    del replacement["name"], replacement["hs_code"]

    results = await upsert(client, runtime, seller, [replacement])

    assert results["items"][0]["success"] is True
    [product] = await stored(client, seller)
    assert (product["color"], product["quantity"], product["name"], product["hs_code"]) == (
        NAVY,
        1,
        None,
        None,
    )


async def test_rerunning_a_batch_gives_the_same_stored_state(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    batch = [jacket(sku="JKT-1-S"), jacket(sku="JKT-1-M", size=SIZE_M), jacket(sku="BAD", size=1)]
    first = await upsert(client, runtime, seller, batch)
    state = without_times(await stored(client, seller))

    second = await upsert(client, runtime, seller, batch)

    assert second["batchRequestId"] != first["batchRequestId"]
    assert second["items"] == first["items"]
    assert without_times(await stored(client, seller)) == state
    async with runtime.database.read_session() as session:
        styles = (await session.execute(select(func.count()).select_from(ProductStyle))).scalar()
        variants = (
            await session.execute(select(func.count()).select_from(ProductVariant))
        ).scalar()
    assert (styles, variants) == (1, 2)


async def test_same_sku_twice_in_a_batch_keeps_the_last(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    results = await upsert(client, runtime, seller, [jacket(quantity=1), jacket(quantity=2)])

    assert [entry["success"] for entry in results["items"]] == [True, True]
    assert [product["quantity"] for product in await stored(client, seller)] == [2]


@contextmanager
def executions_of_writes(runtime: Runtime, tables: tuple[str, ...]) -> Iterator[list[str]]:
    """Each execution of an INSERT into ``tables`` while inside: the table, and "many" when
    it ran once per row."""
    seen: list[str] = []

    def record(_c: Any, _cursor: Any, sql: str, _p: Any, _x: Any, many: bool) -> None:
        words = sql.split()
        if words[0].upper() == "INSERT" and words[2] in tables:
            seen.append(words[2] + (" many" if many else ""))

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_batch_writes_its_variants_and_prices_in_one_execution_each_on_postgresql(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, backend: str
) -> None:
    """On PostgreSQL an execution per row is a round of the server's executor per row (500 for
    a batch of 100 items with 5 prices): the rows go as arrays, new and stored ones alike."""
    items = [jacket(sku=f"J-{n}-S", style_key=f"J-{n}") for n in range(30)]
    await upsert(client, runtime, seller, items[:10])
    for item in items:
        item["prices"][0]["retail_price"] = 119.5
    tables = ("product_variants", "variant_prices")

    with executions_of_writes(runtime, tables) as executions:
        results = await upsert(client, runtime, seller, items)

    assert [entry["success"] for entry in results["items"]] == [True] * 30
    if backend == "postgresql":
        assert executions == ["product_variants", "variant_prices"]
    else:  # SQLite executes its prepared statement per row, in C
        assert executions == ["product_variants many", "variant_prices many"]
    listed = await stored(client, seller)
    assert sorted(product["sku"] for product in listed) == sorted(item["sku"] for item in items)
    assert {str(product["prices"]) for product in listed} == {
        "[{'country_code': 'DE', 'retail_price': 119.5, 'sale_price': None}, "
        "{'country_code': 'AT', 'retail_price': 134.95, 'sale_price': 99.95}]"
    }


async def test_pending_approval_style_cannot_be_changed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    async with runtime.database.write_session.begin() as session:
        await session.execute(update(ProductStyle).values(status="pending_approval"))
    before = await stored(client, seller)

    results = await upsert(client, runtime, seller, [jacket(quantity=99)])

    assert results["items"][0]["errors"] == [
        "Style JKT-1 is pending approval and cannot be changed until it is reviewed"
    ]
    assert await stored(client, seller) == before


async def test_item_count_outside_1_to_100_rejects_the_whole_request(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    too_many = [jacket(sku=f"JKT-{n}") for n in range(101)]

    for items, error in [([], "too_short"), (too_many, "too_long")]:
        response = await client.post(
            "/api/v1/products/", json={"items": items}, headers=seller.headers
        )
        assert response.status_code == 422
        assert [d["type"] for d in response.json()["detail"]] == [error]
        assert response.json()["detail"][0]["loc"] == ["body", "items"]
    assert await runtime.worker().run_once() is False


async def test_a_style_moves_category_only_if_every_resent_variant_can(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(
        client, runtime, seller, [jacket(sku="JKT-1-S"), jacket(sku="JKT-1-M", size=SIZE_M)]
    )
    men: dict[str, Any] = {"category": 212}

    results = await upsert(
        client,
        runtime,
        seller,
        [jacket(sku="JKT-1-S", **men), jacket(sku="JKT-1-M", size=9999, **men)],
    )

    assert [entry["errors"] for entry in results["items"]] == [
        ["Category 212 differs from category 112 of the other variants of style JKT-1"],
        [
            "Size not found: 9999 is not a size of category 212",
            "Category 212 differs from category 112 of the other variants of style JKT-1",
        ],
    ]
    assert {product["category"] for product in await stored(client, seller)} == {112}

    moved = await upsert(
        client,
        runtime,
        seller,
        [jacket(sku="JKT-1-S", **men), jacket(sku="JKT-1-M", size=SIZE_M, **men)],
    )
    assert [entry["success"] for entry in moved["items"]] == [True, True]
    assert {product["category"] for product in await stored(client, seller)} == {212}


async def test_items_checked_before_the_seller_lost_their_brand_are_checked_again(
    runtime: Runtime, seller: SellerKey
) -> None:
    """The worker checks items before its write transaction (``check_items``); what changed
    in between (here the seller's brands) decides, not what the check saw."""
    item = UpsertProductItemSchema.model_validate(jacket())
    context = BatchContext(uuid.uuid4(), seller.seller_id, runtime.clock.now())
    catalog = CatalogCache()
    async with runtime.unit.read() as session:
        checked = await products.check_items(session, context, [item], catalog_cache=catalog)
    assert [entry.errors for entry in checked] == [()]

    async with runtime.unit.write() as session:
        lost = delete(SellerBrand).where(SellerBrand.seller_id == seller.seller_id)
        await session.execute(lost)
        upserted = await products.upsert_products(
            session, context, checked, catalog_cache=catalog, policy=PUBLICATION
        )

    assert upserted.outcomes == [ItemOutcome((messages.brand_not_allowed(BRAND),))]
    assert (upserted.created, upserted.changed) == ([], [])


async def test_items_checked_against_the_current_catalogue_and_brands_are_not_checked_again(
    runtime: Runtime, seller: SellerKey
) -> None:
    """What ``check_items`` found stands while its basis does (the checks left the write
    transaction for that): here an error it could not have found shows it was not redone."""
    item = UpsertProductItemSchema.model_validate(jacket())
    context = BatchContext(uuid.uuid4(), seller.seller_id, runtime.clock.now())
    catalog = CatalogCache()
    async with runtime.unit.read() as session:
        (checked,) = await products.check_items(session, context, [item], catalog_cache=catalog)
    marked = dataclasses.replace(checked, errors=("found before the transaction",))

    async with runtime.unit.write() as session:
        upserted = await products.upsert_products(
            session, context, [marked], catalog_cache=catalog, policy=PUBLICATION
        )

    assert upserted.outcomes == [ItemOutcome(("found before the transaction",))]
