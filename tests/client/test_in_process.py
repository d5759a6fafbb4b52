"""Both clients against the service's app in-process: every call of the product area, its
models and its errors, over the real routers and a migrated database."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from sellers_center.lifecycle import service as lifecycle
from sellers_center.runtime import Runtime
from sellers_center_client import (
    AsyncClient,
    AuthenticationError,
    BatchStatus,
    Client,
    Conflict,
    NotFound,
    ProductStatus,
    ValidationFailed,
)
from tests.client.support import LoopBridge
from tests.products.factory import JACKETS, SIZE_M, jacket
from tests.support import SellerKey

BASE_URL = "http://testserver"
UNKNOWN_BATCH = "0190f0a0-0000-7000-8000-000000000000"
JACKETS_PATH = "Women > Clothing > Jackets & coats > Jackets"


async def test_products_round_trip(sdk: AsyncClient) -> None:
    ref = await sdk.products.upsert(
        [
            jacket(),
            jacket(sku="JKT-1-M", size=SIZE_M),
            jacket(sku="JKT-2-S", style_key="JKT-2", size=1407),
        ]
    )
    assert ref.kind == "products"
    assert ref.idempotency_key is not None

    result = await sdk.batches.wait(ref, poll_interval=0.01)

    assert result.batch_id == ref.batch_id
    assert result.status is BatchStatus.COMPLETED
    assert [(i.request_item.sku, i.success, i.errors) for i in result.items] == [
        ("JKT-1-S", True, []),
        ("JKT-1-M", True, []),
        ("JKT-2-S", False, ["Size not found: 1407 is not a size of category 112"]),
    ]
    assert [item.request_item.sku for item in result.failed] == ["JKT-2-S"]
    page = await sdk.products.list(style_key="JKT-1", per_page=1)
    assert (page.pagination.total, page.pagination.pages, page.pagination.next_page) == (2, 2, 2)
    (first,) = page.items
    assert (first.sku, first.status) == ("JKT-1-S", ProductStatus.DRAFT)
    assert [(p.country_code, p.retail_price, p.sale_price) for p in first.prices] == [
        ("DE", Decimal("129.95"), None),
        ("AT", Decimal("134.95"), Decimal("99.95")),
    ]
    every = [product.sku async for product in sdk.products.iter_all(per_page=1)]
    assert sorted(every) == ["JKT-1-M", "JKT-1-S"]


async def test_stocks_prices_and_status_round_trip(sdk: AsyncClient) -> None:
    await sdk.batches.wait(await sdk.products.upsert([jacket()]), poll_interval=0.01)

    stocks = await sdk.batches.wait(
        await sdk.stocks.update([{"sku": "JKT-1-S", "quantity": 7}, {"sku": "NOPE", "quantity": 1}])
    )
    prices = await sdk.batches.wait(
        await sdk.prices.update(
            [{"sku": "JKT-1-S", "price": {"country_code": "DE", "retail_price": "119.90"}}]
        )
    )
    status = await sdk.batches.wait(
        await sdk.status.update([{"style_key": "JKT-1", "status": "published"}])
    )

    assert [(i.request_item.sku, i.errors) for i in stocks.items] == [
        ("JKT-1-S", []),
        ("NOPE", ["Product not found: NOPE"]),
    ]
    assert [(i.request_item.price.retail_price, i.success) for i in prices.items] == [
        (Decimal("119.90"), True)
    ]
    assert [(i.request_item.style_key, i.success) for i in status.items] == [("JKT-1", True)]
    (product,) = (await sdk.products.list(sku="JKT-1-S")).items
    assert product.quantity == 7
    assert product.status == ProductStatus.PENDING_APPROVAL
    assert product.prices[0].retail_price == Decimal("119.9")


async def test_results_of_a_batch_not_yet_processed(sdk: AsyncClient) -> None:
    ref = await sdk.stocks.update([{"sku": "JKT-1-S", "quantity": 1}])

    result = await sdk.results.get("stocks", ref.batch_id)

    assert (result.status, result.items, result.is_final) == (BatchStatus.PENDING, [], False)


async def test_rejected_styles_are_listed_with_their_reasons(
    sdk: AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await sdk.batches.wait(await sdk.products.upsert([jacket()]))
    await sdk.batches.wait(await sdk.status.update([{"style_key": "JKT-1", "status": "published"}]))
    async with runtime.database.write_session.begin() as session:
        catalog = await runtime.catalog.get(session)
        await lifecycle.reject(
            session,
            catalog,
            seller.seller_id,
            "JKT-1",
            reasons=["wrong_sizes"],
            message="S is an M",
            now=runtime.clock.now(),
        )

    page = await sdk.products.rejected()
    every = [style async for style in sdk.products.iter_rejected(style_key="JKT-1")]

    (style,) = page.items
    assert (style.style_key, style.skus, style.rejection_message) == (
        "JKT-1",
        ["JKT-1-S"],
        "S is an M",
    )
    assert [reason.key for reason in style.rejection_reasons] == ["wrong_sizes"]
    assert every == page.items


async def test_catalogue_lookups(sdk: AsyncClient) -> None:
    found = await sdk.catalog.categories(query="women jackets")
    groups = await sdk.catalog.attribute_groups(JACKETS)
    brands = await sdk.catalog.brands()
    countries = await sdk.catalog.countries()
    every = [category async for category in sdk.catalog.iter_categories(per_page=50)]

    assert (JACKETS, JACKETS_PATH) in [(c.id, c.path) for c in found.items]
    assert "jacket_style" in [group.name for group in groups]
    assert 1101 in [brand.id for brand in brands]
    assert "DE" in [country.code for country in countries.countries]
    assert "EUR" in [currency.code for currency in countries.currencies]
    first_page = await sdk.catalog.categories(per_page=50)
    assert len(every) == first_page.pagination.total > 50


async def test_carriers_page_by_page_and_all_at_once(sdk: AsyncClient) -> None:
    first = await sdk.catalog.carriers(per_page=5)
    every = [carrier async for carrier in sdk.catalog.iter_carriers(per_page=30)]

    assert [(c.country_code, c.key) for c in first.items] == [
        ("AT", "AUSTRIAN_POST"),
        ("AT", "DPD_AT"),
        ("AT", "GLS_AT"),
        ("AT", "UPS_AT"),
        ("BE", "BPOST"),
    ]
    assert (first.pagination.total, first.pagination.next_page) == (68, 2)
    assert every[:5] == first.items
    assert len(every) == len({carrier.key for carrier in every}) == 68
    dhl = next(carrier for carrier in every if carrier.key == "DHL_STD_NATIONAL")
    assert (dhl.carrier_name, dhl.country_code) == ("DHL", "DE")


async def test_errors_carry_the_servers_message_and_request_id(
    app: FastAPI, sdk: AsyncClient
) -> None:
    transport = httpx2.ASGITransport(app=app)
    async with AsyncClient(BASE_URL, "sc_wrong", transport=transport) as stranger:
        with pytest.raises(AuthenticationError) as unauthenticated:
            await stranger.catalog.brands()
    with pytest.raises(NotFound) as no_batch:
        await sdk.results.get("products", UNKNOWN_BATCH)
    with pytest.raises(NotFound) as no_sku:
        await sdk.products.delete("NOPE")

    assert unauthenticated.value.status_code == 401
    assert no_batch.value.message == "Batch request not found"
    assert no_sku.value.message == "Product not found: NOPE"
    for error in (unauthenticated.value, no_batch.value, no_sku.value):
        assert error.request_id is not None
        assert len(error.request_id) >= 16
        assert error.request_id in str(error)


async def test_a_schema_violation_is_validation_failed_and_stores_nothing(
    sdk: AsyncClient,
) -> None:
    with pytest.raises(ValidationFailed) as too_long:
        await sdk.products.upsert([jacket(sku="X" * 121)])
    with pytest.raises(ValidationFailed) as too_many:
        await sdk.products.list(per_page=101)

    assert [entry["loc"] for entry in too_long.value.detail] == [["body", "items", 0, "sku"]]
    assert too_long.value.message.startswith("Invalid request: body.items.0.sku: ")
    assert [entry["loc"] for entry in too_many.value.detail] == [["query", "per_page"]]
    assert (await sdk.products.list()).pagination.total == 0


async def test_deleting_a_published_variant_is_a_conflict(sdk: AsyncClient) -> None:
    await sdk.batches.wait(
        await sdk.products.upsert([jacket(), jacket(sku="JKT-1-M", size=SIZE_M)])
    )
    await sdk.products.delete("JKT-1-M")
    await sdk.batches.wait(await sdk.status.update([{"style_key": "JKT-1", "status": "published"}]))

    with pytest.raises(Conflict) as refused:
        await sdk.products.delete("JKT-1-S")

    assert refused.value.message.startswith("Product JKT-1-S cannot be deleted")
    assert [p.sku for p in (await sdk.products.list()).items] == ["JKT-1-S"]


def blocking_round_trip(client: Client) -> dict[str, Any]:
    ref = client.products.upsert([jacket()])
    result = client.batches.wait(ref, poll_interval=0.01)
    listed = [product.sku for product in client.products.iter_all()]
    client.products.delete("JKT-1-S")
    return {"result": result, "listed": listed, "after": client.products.list().items}


async def test_the_blocking_client_round_trip(
    app: FastAPI, runtime: Runtime, seller: SellerKey
) -> None:
    loop = asyncio.get_running_loop()

    def sleep(_: float) -> None:  # from the client's thread: let the worker take a batch
        asyncio.run_coroutine_threadsafe(runtime.worker().run_once(), loop).result()

    client = Client(BASE_URL, seller.key, transport=LoopBridge(app, loop), sleep=sleep)
    with client:
        outcome = await asyncio.to_thread(blocking_round_trip, client)

    assert outcome["result"].status is BatchStatus.COMPLETED
    assert [(i.request_item.sku, i.success) for i in outcome["result"].items] == [("JKT-1-S", True)]
    assert outcome["listed"] == ["JKT-1-S"]
    assert outcome["after"] == []
