"""Placing an order (docs/api.md#placing-orders): prices, VAT and money of the shop's country,
the stock reserved, the customer, and every refusal, which changes nothing."""

from __future__ import annotations

import random

import httpx
import pytest
from sqlalchemy import delete, select, text, update

from sellers_center.db.tables import Country, ProductVariant, VariantPrice
from sellers_center.errors import InvalidInputError
from sellers_center.orders.customer import plausible_customer
from sellers_center.orders.order import FulfillmentType
from sellers_center.products import service as products
from sellers_center.runtime import Runtime
from tests.orders.helpers import (
    AT_GROSS,
    AT_NET,
    DE_GROSS,
    DE_NET,
    MEDIUM,
    SMALL,
    STYLE,
    active_jackets,
    listed,
    listed_order,
    place,
    quantity,
    sequential_numbers,
    set_style_status,
    stored_statuses,
)
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.fixture
async def jackets(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    await active_jackets(client, runtime, seller)


async def test_an_order_reserves_its_units_and_lists_with_prices_vat_and_customer(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    order = await place(runtime, seller, {SMALL: 2, MEDIUM: 1}, numbers=sequential_numbers())

    listed = await listed_order(client, seller, order.order_number)
    customer = plausible_customer("DE", random.Random(7))
    address = customer.shipping
    now = runtime.clock.now().isoformat().replace("+00:00", "Z")
    ids = [line.id for line in order.items]
    assert ids == [1, 2, 3]
    assert listed == {
        "order_number": "100000000001",
        "status": "open",
        "created_at": now,
        "updated_at": now,
        "shop": "DE",
        "customer_key": customer.key,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        **{
            f"{prefix}_{name}": value
            for prefix in ("shipping", "billing")
            for name, value in (
                ("recipient_first_name", address.first_name),
                ("recipient_last_name", address.last_name),
                ("street", address.street),
                ("additional", None),
                ("zip_code", address.zip_code),
                ("city", address.city),
                ("country_code", "DE"),
            )
        },
        "carrier_key": None,
        "cost_with_tax": 3 * DE_GROSS,
        "cost_without_tax": 3 * DE_NET,
        "currency": "EUR",
        "fulfillment_type": "dropshipping",
        "delivery_document_url": "/api/v1/orders/100000000001/delivery_document",
        "order_items": [
            {
                "id": item_id,
                "sku": sku,
                "status": "open",
                "price_with_tax": DE_GROSS,
                "price_without_tax": DE_NET,
                "vat": 19,
                "carrier_key": None,
                "shipment_tracking_key": None,
                "return_tracking_key": None,
                "shipped_at": None,
                "cancelled_at": None,
                "returned_at": None,
            }
            for item_id, sku in zip(ids, [SMALL, SMALL, MEDIUM], strict=True)
        ],
    }
    assert await quantity(client, seller, SMALL) == (3, None)
    assert await quantity(client, seller, MEDIUM) == (1, None)


async def test_a_sale_price_is_what_the_customer_pays_and_the_country_sets_the_vat(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    order = await place(runtime, seller, {SMALL: 1}, country="AT")

    listed = await listed_order(client, seller, order.order_number)
    assert (listed["shop"], listed["currency"], listed["shipping_country_code"]) == (
        "AT",
        "EUR",
        "AT",
    )
    item = listed["order_items"][0]
    assert (item["price_with_tax"], item["price_without_tax"], item["vat"]) == (
        AT_GROSS,
        AT_NET,
        20,
    )
    assert (listed["cost_with_tax"], listed["cost_without_tax"]) == (AT_GROSS, AT_NET)


async def refused(
    runtime: Runtime,
    seller: SellerKey,
    units: dict[str, int],
    country: str = "DE",
    fulfillment: str = "dropshipping",
) -> str:
    """The message of a refused placement."""
    with pytest.raises(InvalidInputError) as refusal:
        await place(
            runtime, seller, units, country=country, fulfillment=FulfillmentType(fulfillment)
        )
    return refusal.value.message


async def assert_nothing_changed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    assert await stored_statuses(runtime) == ([], [])
    assert await quantity(client, seller, SMALL) == (5, None)
    assert await quantity(client, seller, MEDIUM) == (2, None)


@pytest.mark.parametrize(
    ("units", "country", "message"),
    [
        ({"NOPE-1": 1}, "DE", "Order refused: Product not found: NOPE-1"),
        (
            {SMALL: 1},
            "PL",
            f"Order refused: Product {SMALL} is not sold in PL: PL is not one of its countries",
        ),
        (
            {SMALL: 6},
            "DE",
            f"Order refused: Product {SMALL} is out of stock: 6 ordered, 5 available",
        ),
        (
            {"NOPE-1": 1, SMALL: 1, MEDIUM: 3},
            "DE",
            "Order refused: Product not found: NOPE-1; Product JKT-1-M is out of stock: "
            "3 ordered, 2 available",
        ),
        (
            {SMALL: 1},
            "XX",
            "Order refused: Country not found: 'XX' is not a country the marketplace sells in",
        ),
        ({SMALL: 101}, "DE", "Order refused: An order holds 1 to 100 units, not 101"),
    ],
)
async def test_refusals_name_every_problem_and_change_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    jackets: None,
    units: dict[str, int],
    country: str,
    message: str,
) -> None:
    assert await refused(runtime, seller, units, country=country) == message
    await assert_nothing_changed(client, runtime, seller)


@pytest.mark.parametrize("status", ["draft", "pending_approval", "inactive", "problem"])
async def test_only_variants_of_active_styles_can_be_ordered(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None, status: str
) -> None:
    await set_style_status(runtime, seller, STYLE, status)

    assert await refused(runtime, seller, {SMALL: 1}) == (
        f"Order refused: Product {SMALL} cannot be ordered: its style {STYLE} is {status}, "
        "not active"
    )
    await assert_nothing_changed(client, runtime, seller)


async def test_a_variant_without_a_price_in_the_country_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    async with runtime.unit.write() as session:  # a state no batch leaves, but storage allows
        ids = select(ProductVariant.id).where(ProductVariant.sku == SMALL).scalar_subquery()
        await session.execute(
            delete(VariantPrice).where(
                VariantPrice.variant_id == ids, VariantPrice.country_code == "DE"
            )
        )

    assert await refused(runtime, seller, {SMALL: 1}) == (
        f"Order refused: Product {SMALL} has no price in DE"
    )
    await assert_nothing_changed(client, runtime, seller)


async def test_a_variant_without_a_stock_count_is_out_of_stock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await active_jackets(client, runtime, seller, quantity=None)

    assert await refused(runtime, seller, {SMALL: 1}) == (
        f"Order refused: Product {SMALL} is out of stock: 1 ordered, and it has no stock count"
    )
    assert await stored_statuses(runtime) == ([], [])


async def test_a_country_without_a_vat_rate_sells_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    async with runtime.unit.write() as session:
        await session.execute(update(Country).where(Country.code == "DE").values(vat_rate=None))
        await session.execute(text("UPDATE catalog_state SET version = version + 1"))

    assert await refused(runtime, seller, {SMALL: 1}) == (
        "Order refused: Orders cannot be placed in DE: the catalogue has no VAT rate for it; "
        "the operator's next catalogue import must give it one"
    )
    await assert_nothing_changed(client, runtime, seller)


async def test_orders_fulfilled_by_the_marketplace_take_the_warehouse_s_stock(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    by_marketplace = "fulfillment_by_marketplace"
    assert await refused(runtime, seller, {SMALL: 1}, fulfillment=by_marketplace) == (
        f"Order refused: Product {SMALL} is out of stock in the marketplace's warehouse: "
        "1 ordered, none is held there"
    )
    async with runtime.unit.write() as session:
        await products.set_fbm_stock(session, seller.seller_id, SMALL, 3, runtime.clock.now())

    order = await place(
        runtime, seller, {SMALL: 2}, fulfillment=FulfillmentType.FULFILLMENT_BY_MARKETPLACE
    )

    assert await quantity(client, seller, SMALL) == (5, 1)
    assert (await listed_order(client, seller, order.order_number))["fulfillment_type"] == (
        "fulfillment_by_marketplace"
    )
    assert await refused(runtime, seller, {SMALL: 2}, fulfillment=by_marketplace) == (
        f"Order refused: Product {SMALL} is out of stock in the marketplace's warehouse: "
        "2 ordered, 1 held there"
    )


async def test_an_order_number_already_taken_is_drawn_again(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, jackets: None
) -> None:
    first = await place(runtime, seller, {SMALL: 1}, numbers=sequential_numbers())
    second = await place(runtime, seller, {SMALL: 1}, numbers=sequential_numbers())

    assert (first.order_number, second.order_number) == ("100000000001", "100000000002")
    numbers = [order["order_number"] for order in (await listed(client, seller))["items"]]
    assert numbers == ["100000000001", "100000000002"]


async def test_another_seller_cannot_order_a_seller_s_variant(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    jackets: None,
) -> None:
    assert await refused(runtime, other_seller, {SMALL: 1}) == (
        f"Order refused: Product not found: {SMALL}"
    )
    await assert_nothing_changed(client, runtime, seller)
