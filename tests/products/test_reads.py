"""GET /api/v1/products/ and DELETE /api/v1/products/{sku}
(docs/api.md#reading-and-deleting-products)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from sellers_center.db.tables import ProductStyle
from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import SellerKey

PRODUCT_KEYS = {
    "style_key",
    "sku",
    "ean",
    "hs_code",
    "name",
    "description",
    "descriptions",
    "color",
    "size",
    "second_size",
    "brand",
    "category",
    "quantity",
    "quantity_fbm",
    "colorway_key",
    "weight",
    "countries",
    "country_of_origin",
    "attributes",
    "material_composition_textile",
    "material_composition_non_textile",
    "prices",
    "images",
    "status",
    "created_at",
    "updated_at",
}


@pytest.fixture
async def catalogue_of_three(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    """Styles A (two sizes, later active) and B (one size, draft)."""
    await upsert(
        client,
        runtime,
        seller,
        [
            jacket(sku="A-S", style_key="A"),
            jacket(sku="A-M", style_key="A", size=SIZE_M),
            jacket(sku="B-S", style_key="B"),
        ],
    )
    async with runtime.database.write_session.begin() as session:
        await session.execute(
            update(ProductStyle).where(ProductStyle.style_key == "A").values(status="active")
        )


async def listing(
    client: httpx.AsyncClient, seller: SellerKey, **params: str | int
) -> httpx.Response:
    return await client.get("/api/v1/products/", params=params, headers=seller.headers)


async def test_each_variant_is_listed_with_its_fields_and_status(
    client: httpx.AsyncClient, seller: SellerKey, catalogue_of_three: None
) -> None:
    body = (await listing(client, seller)).json()

    assert [(item["sku"], item["status"]) for item in body["items"]] == [
        ("A-S", "active"),
        ("A-M", "active"),
        ("B-S", "draft"),
    ]
    assert all(set(item) == PRODUCT_KEYS for item in body["items"])
    assert body["pagination"] == {
        "page": 1,
        "per_page": 20,
        "pages": 1,
        "total": 3,
        "next": None,
        "prev": None,
    }


async def test_variants_show_their_colourway_and_the_marketplace_warehouse_s_stock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, catalogue_of_three: None
) -> None:
    async with runtime.unit.write() as session:
        await products.set_fbm_stock(session, seller.seller_id, "A-M", 7, runtime.clock.now())

    body = (await listing(client, seller)).json()

    assert [(i["sku"], i["colorway_key"], i["quantity_fbm"]) for i in body["items"]] == [
        ("A-S", "A-1001", None),
        ("A-M", "A-1001", 7),
        ("B-S", "B-1001", None),
    ]


@pytest.mark.parametrize(
    ("params", "skus"),
    [
        ({"style_key": "A"}, ["A-S", "A-M"]),
        ({"sku": "B-S"}, ["B-S"]),
        ({"status": "draft"}, ["B-S"]),
        ({"status": "active", "sku": "A-M"}, ["A-M"]),
        ({"status": "rejected"}, []),
        ({"style_key": "nope"}, []),
    ],
)
async def test_filters(
    client: httpx.AsyncClient,
    seller: SellerKey,
    catalogue_of_three: None,
    params: dict[str, str],
    skus: list[str],
) -> None:
    body = (await listing(client, seller, **params)).json()

    assert [item["sku"] for item in body["items"]] == skus
    assert body["pagination"]["total"] == len(skus)


async def test_pages_link_to_each_other_keeping_the_filters(
    client: httpx.AsyncClient, seller: SellerKey, catalogue_of_three: None
) -> None:
    second = (await listing(client, seller, status="active", per_page=1, page=2)).json()

    assert [item["sku"] for item in second["items"]] == ["A-M"]
    assert second["pagination"] == {
        "page": 2,
        "per_page": 1,
        "pages": 2,
        "total": 2,
        "next": None,
        "prev": "/api/v1/products/?status=active&per_page=1&page=1",
    }


@pytest.mark.parametrize(
    "params",
    [{"per_page": 101}, {"per_page": 0}, {"page": 0}, {"status": "published"}],
)
async def test_bad_query_is_422(
    client: httpx.AsyncClient, seller: SellerKey, params: dict[str, str | int]
) -> None:
    response = await listing(client, seller, **params)

    assert response.status_code == 422
    assert set(response.json()) == {"detail", "message"}


async def test_another_sellers_products_are_invisible(
    client: httpx.AsyncClient,
    seller: SellerKey,
    other_seller: SellerKey,
    catalogue_of_three: None,
) -> None:
    assert (await listing(client, other_seller)).json()["pagination"]["total"] == 0
    deleted = await client.delete("/api/v1/products/B-S", headers=other_seller.headers)
    assert (deleted.status_code, deleted.json()) == (404, {"message": "Product not found: B-S"})


async def test_deleting_a_draft_variant_removes_it_and_its_emptied_style(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, catalogue_of_three: None
) -> None:
    response = await client.delete("/api/v1/products/B-S/", headers=seller.headers)

    assert (response.status_code, response.content) == (204, b"")
    assert (await listing(client, seller, sku="B-S")).json()["items"] == []
    async with runtime.database.read_session() as session:
        keys = (await session.execute(select(ProductStyle.style_key))).scalars().all()
    assert keys == ["A"]


async def test_variants_of_a_style_past_draft_cannot_be_deleted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, catalogue_of_three: None
) -> None:
    response = await client.delete("/api/v1/products/A-S", headers=seller.headers)

    assert response.status_code == 409
    assert response.json() == {
        "message": "Product A-S cannot be deleted: its style A is active; only draft products "
        "can be deleted (set the style to inactive to take it offline)"
    }
    assert (await listing(client, seller)).json()["pagination"]["total"] == 3
    async with runtime.database.read_session() as session:
        count = select(func.count()).select_from(ProductStyle)
        assert (await session.execute(count)).scalar() == 2


async def test_unknown_sku_is_404_and_patch_is_405(
    client: httpx.AsyncClient, seller: SellerKey, demo_catalogue: None
) -> None:
    missing = await client.delete("/api/v1/products/NOPE", headers=seller.headers)
    patched = await client.patch("/api/v1/products/NOPE", json={}, headers=seller.headers)

    assert (missing.status_code, missing.json()) == (404, {"message": "Product not found: NOPE"})
    assert patched.status_code == 405
    assert patched.json() == {
        "message": "Method PATCH is not allowed on /api/v1/products/NOPE (allowed: DELETE)"
    }
    assert patched.headers["allow"] == "DELETE"
