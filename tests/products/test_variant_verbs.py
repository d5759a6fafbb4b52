"""The read verbs other domains call about a style's variants: what keeps them from being
sold."""

from __future__ import annotations

import httpx

from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


async def style_id(runtime: Runtime, seller: SellerKey, style_key: str) -> int:
    async with runtime.unit.read() as session:
        return (await products.styles(session, seller.seller_id, [style_key]))[style_key].id


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
