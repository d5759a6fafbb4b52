"""The stock verbs other domains call: reserving stock takes units only while enough are there,
all of a reservation or none of it; releasing puts them back; two reservations of the last unit
at once cannot both succeed."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest

from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of, product, put, stock
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.fixture
async def two_variants(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    """JKT-1-S with 5 units, JKT-1-M with 1."""
    items = [jacket(), jacket("JKT-1-M", size=SIZE_M, quantity=1)]
    assert errors_of(await upsert(client, runtime, seller, items)) == [[], []]


async def quantities(client: httpx.AsyncClient, seller: SellerKey) -> dict[str, int | None]:
    return {sku: (await product(client, seller, sku))["quantity"] for sku in ("JKT-1-S", "JKT-1-M")}


async def reserve(runtime: Runtime, seller: SellerKey, units: Mapping[str, int]) -> list[str]:
    async with runtime.unit.write() as session:
        return await products.reserve_stock(session, seller.seller_id, units, runtime.clock.now())


async def release(runtime: Runtime, seller: SellerKey, units: Mapping[str, int]) -> list[str]:
    async with runtime.unit.write() as session:
        return await products.release_stock(session, seller.seller_id, units, runtime.clock.now())


async def test_a_reservation_takes_its_units_and_a_release_gives_them_back(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_variants: None
) -> None:
    assert await reserve(runtime, seller, {"JKT-1-S": 3, "JKT-1-M": 1}) == []
    assert await quantities(client, seller) == {"JKT-1-S": 2, "JKT-1-M": 0}

    assert await release(runtime, seller, {"JKT-1-S": 3}) == []
    assert await quantities(client, seller) == {"JKT-1-S": 5, "JKT-1-M": 0}


@pytest.mark.parametrize(
    ("units", "short"),
    [
        ({"JKT-1-S": 3, "JKT-1-M": 2}, ["JKT-1-M"]),
        ({"JKT-1-S": 6}, ["JKT-1-S"]),
        ({"JKT-1-S": 1, "NOPE-1": 1}, ["NOPE-1"]),
    ],
)
async def test_a_reservation_short_of_any_sku_takes_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    two_variants: None,
    units: dict[str, int],
    short: list[str],
) -> None:
    assert await reserve(runtime, seller, units) == short
    assert await quantities(client, seller) == {"JKT-1-S": 5, "JKT-1-M": 1}


async def test_stock_never_given_cannot_be_reserved_or_released(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert errors_of(await upsert(client, runtime, seller, [jacket(quantity=None)])) == [[]]

    assert await reserve(runtime, seller, {"JKT-1-S": 1}) == ["JKT-1-S"]
    assert await release(runtime, seller, {"JKT-1-S": 1}) == ["JKT-1-S"]
    assert (await product(client, seller))["quantity"] is None


async def test_another_sellers_sku_is_short(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    two_variants: None,
) -> None:
    assert await reserve(runtime, other_seller, {"JKT-1-S": 1}) == ["JKT-1-S"]
    assert await release(runtime, other_seller, {"JKT-1-S": 1}) == ["JKT-1-S"]
    assert await quantities(client, seller) == {"JKT-1-S": 5, "JKT-1-M": 1}


@pytest.mark.parametrize("count", [0, -1])
async def test_units_must_be_positive(
    runtime: Runtime, seller: SellerKey, two_variants: None, count: int
) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        await reserve(runtime, seller, {"JKT-1-S": count})


async def test_a_stock_batch_after_a_reservation_sets_the_quantity_it_sends(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, two_variants: None
) -> None:
    assert await reserve(runtime, seller, {"JKT-1-S": 2}) == []

    assert errors_of(await put(client, runtime, seller, "stocks", [stock(7)])) == [[]]
    assert await quantities(client, seller) == {"JKT-1-S": 7, "JKT-1-M": 1}
