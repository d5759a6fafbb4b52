"""The read verbs other domains call about a style's variants: the variants themselves, as
``Variant`` values, and what keeps them from being sold."""

from __future__ import annotations

from decimal import Decimal

import httpx

from sellers_center.products import service as products
from sellers_center.products.variant import VariantPrice
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of, price, put
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


async def style_id(runtime: Runtime, seller: SellerKey, style_key: str) -> int:
    async with runtime.unit.read() as session:
        return (await products.styles(session, seller.seller_id, [style_key]))[style_key].id


async def test_the_variants_of_a_style_come_back_as_stored_and_updated(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    items = [jacket(), jacket("JKT-1-M", size=SIZE_M, quantity=None), jacket("JKT-2-S", "JKT-2")]
    assert errors_of(await upsert(client, runtime, seller, items)) == [[], [], []]
    assert errors_of(await put(client, runtime, seller, "prices", [price("NL", "149.00")])) == [[]]
    first = await style_id(runtime, seller, "JKT-1")

    async with runtime.unit.read() as session:
        found = await products.variants_of_styles(session, [first])

    assert list(found) == [first]
    medium, small = found[first]
    assert (medium.sku, medium.quantity, small.sku, small.quantity) == (
        "JKT-1-M",
        None,
        "JKT-1-S",
        5,
    )
    assert small.prices == (
        VariantPrice("DE", Decimal("129.95"), None),
        VariantPrice("AT", Decimal("134.95"), Decimal("99.95")),
        VariantPrice("NL", Decimal("149.00"), None),
    )
    assert (small.countries, small.is_sellable, small.details["name"]) == (
        ("DE", "AT"),
        True,
        "Aurora",
    )


async def test_the_sale_gaps_of_a_style_name_each_variant(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    items = [jacket(), jacket("JKT-1-M", size=SIZE_M, countries=[], prices=[])]
    assert errors_of(await upsert(client, runtime, seller, items)) == [[], []]
    style = await style_id(runtime, seller, "JKT-1")

    async with runtime.unit.read() as session:
        gaps = await products.sale_gaps_of_styles(session, [style])
        unsellable = await products.styles_with_unsellable_variants(session, [style])

    assert gaps == {style: ["Variant JKT-1-M cannot be sold: it lists no countries to sell in"]}
    assert unsellable == {style}
