"""A price batch that gives a variant the price it lacked makes it sellable everywhere that asks:
publishing, activation after approval, and the follow-up of a later upsert (sellability is
derived in one place whenever countries, prices or images change).

The upsert refuses a listed country without a price, so such a variant is one stored before
that rule (or by a future path): the tests make one by taking a stored price away.
"""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select, update

from sellers_center.db.tables import ProductVariant, VariantPrice
from sellers_center.lifecycle import service as lifecycle
from sellers_center.runtime import Runtime
from tests.inventory.helpers import errors_of, price, put
from tests.lifecycle.helpers import put_status, set_status, style_status
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


async def take_price_away(runtime: Runtime, sku: str, country_code: str) -> None:
    """The variant as stored before every listed country needed a price: without this one,
    and not sellable."""
    variant = select(ProductVariant.id).where(ProductVariant.sku == sku).scalar_subquery()
    async with runtime.unit.write() as session:
        await session.execute(
            delete(VariantPrice).where(
                VariantPrice.variant_id == variant, VariantPrice.country_code == country_code
            )
        )
        await session.execute(
            update(ProductVariant).where(ProductVariant.sku == sku).values(is_sellable=False)
        )


async def history(runtime: Runtime, seller: SellerKey, style_key: str) -> list[tuple[str, str]]:
    async with runtime.unit.read() as session:
        entries = await lifecycle.history(session, seller.seller_id, style_key)
    return [(entry.to_status, entry.cause) for entry in entries]


async def publish(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> list[str]:
    results = await put_status(
        client, runtime, seller, [{"style_key": "JKT-1", "status": "published"}]
    )
    [errors] = errors_of(results)
    return errors


async def test_a_style_priced_by_a_price_batch_is_activated_after_approval(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert errors_of(await upsert(client, runtime, seller, [jacket()])) == [[]]
    await take_price_away(runtime, "JKT-1-S", "AT")
    assert await publish(client, runtime, seller) == [
        "Variant JKT-1-S cannot be sold: it has no price for country AT"
    ]

    priced = await put(client, runtime, seller, "prices", [price("AT", 134.95)])
    assert errors_of(priced) == [[]]
    assert await publish(client, runtime, seller) == []
    async with runtime.unit.write() as session:
        await lifecycle.approve(session, seller.seller_id, "JKT-1", runtime.clock.now())
    await runtime.worker().run_maintenance()

    assert await style_status(client, seller, "JKT-1") == "active"
    assert (await history(runtime, seller, "JKT-1"))[-1] == ("active", "system")


async def test_an_active_style_stays_active_when_its_other_variant_was_priced_since(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    small, medium = jacket(), jacket("JKT-1-M", size=SIZE_M)
    assert errors_of(await upsert(client, runtime, seller, [small, medium])) == [[], []]
    await take_price_away(runtime, "JKT-1-M", "AT")
    await set_status(runtime, "JKT-1", "active")
    priced = await put(client, runtime, seller, "prices", [price("AT", 134.95, sku="JKT-1-M")])
    assert errors_of(priced) == [[]]

    again = await upsert(client, runtime, seller, [small])

    assert errors_of(again) == [[]]
    assert await style_status(client, seller, "JKT-1") == "active"
    assert await history(runtime, seller, "JKT-1") == [("draft", "seller")]
