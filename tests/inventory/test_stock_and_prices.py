"""Stock and price batches end to end on both databases (docs/api.md#stock-batches, #price-batches;
issue 5)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event

from sellers_center.clock import ManualClock
from sellers_center.runtime import Runtime
from tests.inventory.helpers import (
    SKU,
    STORED_PRICES,
    echoes_of,
    errors_of,
    price,
    price_stale,
    processed,
    processed_results,
    product,
    put,
    stock,
    stock_stale,
    stored_data,
)
from tests.products.factory import ean, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

SIZES = range(1201, 1209)


# --- stocks ----------------------------------------------------------------------------------


async def test_applied_quantity_is_answered_echoed_and_listed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [stock(7)]

    results = await put(client, runtime, seller, "stocks", items)

    assert results["items"] == [{"requestItem": items[0], "success": True, "errors": []}]
    assert (await product(client, seller))["quantity"] == 7


async def test_quantity_bounds_are_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    results = await put(client, runtime, seller, "stocks", [stock(0)])
    assert errors_of(results) == [[]]
    assert (await product(client, seller))["quantity"] == 0

    results = await put(client, runtime, seller, "stocks", [stock(1_000_000)])
    assert errors_of(results) == [[]]
    assert (await product(client, seller))["quantity"] == 1_000_000


async def test_unknown_sku_is_an_item_error_and_the_rest_applies(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [stock(1, sku="NOPE"), stock(9)]

    results = await put(client, runtime, seller, "stocks", items)

    assert echoes_of(results) == items
    assert [entry["success"] for entry in results["items"]] == [False, True]
    assert errors_of(results) == [["Product not found: NOPE"], []]
    assert (await product(client, seller))["quantity"] == 9


async def test_another_sellers_sku_is_not_found(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    variant: None,
) -> None:
    results = await put(client, runtime, other_seller, "stocks", [stock(50)])

    assert errors_of(results) == [["Product not found: JKT-1-S"]]
    assert (await product(client, seller))["quantity"] == 5


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([stock(-1)], id="negative-quantity"),
        pytest.param([stock(1_000_001)], id="quantity-above-maximum"),
        pytest.param([stock(3), {"quantity": 3}], id="missing-sku"),
        pytest.param([stock(3, sku="S" * 121)], id="sku-too-long"),
        pytest.param([stock(3, valid_at="yesterday")], id="valid-at-not-a-date-time"),
        pytest.param([], id="no-items"),
        pytest.param([stock(n % 100) for n in range(1001)], id="1001-items"),
    ],
)
async def test_schema_violations_refuse_the_whole_request(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    variant: None,
    items: list[dict[str, Any]],
) -> None:
    response = await client.put(
        "/api/v1/products/stocks", json={"items": items}, headers=seller.headers
    )

    assert response.status_code == 422, response.text
    assert await runtime.worker().run_once() is False  # no batch was stored
    assert (await product(client, seller))["quantity"] == 5


async def test_out_of_order_valid_at_is_stale_and_names_both_times(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    t1, t2, t3 = "2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z"

    assert errors_of(await put(client, runtime, seller, "stocks", [stock(10, t2)])) == [[]]
    assert (await product(client, seller))["quantity"] == 10

    results = await put(client, runtime, seller, "stocks", [stock(20, t1)])
    assert results["items"] == [
        {
            "requestItem": stock(20, t1),
            "success": False,
            "errors": [stock_stale("2026-01-01T08:00:00+00:00", "2026-01-01T09:00:00+00:00")],
        }
    ]
    assert (await product(client, seller))["quantity"] == 10

    assert errors_of(await put(client, runtime, seller, "stocks", [stock(30, t3)])) == [[]]
    assert (await product(client, seller))["quantity"] == 30

    # Equal validity is not older: the later arrival applies.
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(31, t3)])) == [[]]
    assert (await product(client, seller))["quantity"] == 31


async def test_valid_at_with_an_offset_is_compared_in_utc(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    assert errors_of(
        await put(client, runtime, seller, "stocks", [stock(10, "2026-01-01T09:00:00Z")])
    ) == [[]]

    # 10:30 at +02:00 is 08:30 UTC: older than 09:00 UTC.
    results = await put(client, runtime, seller, "stocks", [stock(20, "2026-01-01T10:30:00+02:00")])

    assert errors_of(results) == [
        [stock_stale("2026-01-01T08:30:00+00:00", "2026-01-01T09:00:00+00:00")]
    ]
    assert (await product(client, seller))["quantity"] == 10


async def test_update_without_valid_at_applies_and_stamps_the_processing_time(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    clock: ManualClock,
    variant: None,
) -> None:
    clock.advance(3600)  # 2026-01-01T01:00:00Z

    assert errors_of(await put(client, runtime, seller, "stocks", [stock(11)])) == [[]]
    assert (await product(client, seller))["quantity"] == 11

    clock.advance(60)
    results = await put(client, runtime, seller, "stocks", [stock(12, "2026-01-01T00:30:00Z")])

    assert errors_of(results) == [
        [stock_stale("2026-01-01T00:30:00+00:00", "2026-01-01T01:00:00+00:00")]
    ]
    assert (await product(client, seller))["quantity"] == 11

    # Without valid_at the arrival order decides: the next one applies again.
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(13)])) == [[]]
    assert (await product(client, seller))["quantity"] == 13


async def test_update_without_valid_at_applies_after_a_future_one_and_keeps_its_time(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    future = "2026-01-01T20:00:00Z"  # ahead of the clock (midnight), within the day allowed
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(20, future)])) == [[]]

    assert errors_of(await put(client, runtime, seller, "stocks", [stock(21)])) == [[]]
    assert (await product(client, seller))["quantity"] == 21

    results = await put(client, runtime, seller, "stocks", [stock(22, "2026-01-01T10:00:00Z")])
    assert errors_of(results) == [
        [stock_stale("2026-01-01T10:00:00+00:00", "2026-01-01T20:00:00+00:00")]
    ]
    assert (await product(client, seller))["quantity"] == 21


async def test_items_for_one_sku_apply_in_order_with_staleness_between_them(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [
        stock(1, "2026-01-01T09:00:00Z"),
        stock(2, "2026-01-01T08:00:00Z"),
        stock(3, "2026-01-01T10:00:00Z"),
        stock(4, "2026-01-01T09:30:00Z"),
        stock(5, "2026-01-01T10:00:00Z"),
    ]

    results = await put(client, runtime, seller, "stocks", items)

    assert echoes_of(results) == items
    assert errors_of(results) == [
        [],
        [stock_stale("2026-01-01T08:00:00+00:00", "2026-01-01T09:00:00+00:00")],
        [],
        [stock_stale("2026-01-01T09:30:00+00:00", "2026-01-01T10:00:00+00:00")],
        [],
    ]
    assert [entry["success"] for entry in results["items"]] == [True, False, True, False, True]
    assert (await product(client, seller))["quantity"] == 5

    # The batch's last applied time holds for the next batch too.
    results = await put(client, runtime, seller, "stocks", [stock(6, "2026-01-01T09:59:59Z")])
    assert errors_of(results) == [
        [stock_stale("2026-01-01T09:59:59+00:00", "2026-01-01T10:00:00+00:00")]
    ]
    assert (await product(client, seller))["quantity"] == 5


# --- prices ----------------------------------------------------------------------------------


async def test_numbers_and_numeric_strings_are_stored_exactly_and_echoed_as_sent(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [price("DE", "139.90"), price("AT", 139.9, sale="119.50")]

    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [[], []]
    assert echoes_of(results) == items
    assert results["items"][0]["requestItem"]["price"]["retail_price"] == "139.90"
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 139.9, "sale_price": None},
        {"country_code": "AT", "retail_price": 139.9, "sale_price": 119.5},
    ]
    data = await stored_data(runtime)
    assert '"retail_price":"139.90"' in data
    assert '"sale_price":"119.50"' in data


async def test_an_amount_finer_than_its_currency_is_refused_not_rounded(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    body = (
        b'{"items": [{"sku": "JKT-1-S", "price": '
        b'{"country_code": "DE", "retail_price": 12.345678901234567891}}]}'
    )
    submitted = await client.put(
        "/api/v1/products/prices",
        content=body,
        headers={**seller.headers, "Content-Type": "application/json"},
    )
    assert submitted.status_code == 200, submitted.text

    results = await processed(client, runtime, seller, "prices", submitted.json()["batchRequestId"])

    assert errors_of(results) == [
        [
            "Price retail_price 12.345678901234567891 for country DE has more decimals than EUR "
            "allows: at most 2"
        ]
    ]
    assert (await product(client, seller))["prices"] == STORED_PRICES


async def test_the_echo_keeps_an_amount_with_many_decimals_as_sent(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    """Issue 5: "echo the item as sent" (docs/api.md#batches: unchanged), not through a binary
    float."""
    body = (
        b'{"items": [{"sku": "JKT-1-S", "price": '
        b'{"country_code": "DE", "retail_price": 12.345678901234567891}}]}'
    )
    submitted = await client.put(
        "/api/v1/products/prices",
        content=body,
        headers={**seller.headers, "Content-Type": "application/json"},
    )
    assert submitted.status_code == 200, submitted.text
    assert await runtime.worker().run_once() is True

    response = await client.get(
        "/api/v1/results/prices",
        params={"batch_request_id": submitted.json()["batchRequestId"]},
        headers=seller.headers,
    )

    assert response.status_code == 200, response.text
    assert '"retail_price":12.345678901234567891' in response.text


async def test_a_price_replaces_its_country_in_place_and_a_new_country_is_added(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    results = await put(client, runtime, seller, "prices", [price("DE", 139.9, sale=109.9)])
    assert errors_of(results) == [[]]
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 139.9, "sale_price": 109.9},
        STORED_PRICES[1],
    ]

    # Without a sale price the country's old sale price is gone too.
    results = await put(client, runtime, seller, "prices", [price("AT", 134.95)])
    assert errors_of(results) == [[]]

    results = await put(client, runtime, seller, "prices", [price("NL", "149.00")])
    assert errors_of(results) == [[]]
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 139.9, "sale_price": 109.9},
        {"country_code": "AT", "retail_price": 134.95, "sale_price": None},
        {"country_code": "NL", "retail_price": 149.0, "sale_price": None},
    ]


async def test_a_lowercase_country_code_is_stored_upper_case(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [price("nl", 149.5), price("de", "139.90")]

    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [[], []]
    assert echoes_of(results) == items
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 139.9, "sale_price": None},
        STORED_PRICES[1],
        {"country_code": "NL", "retail_price": 149.5, "sale_price": None},
    ]
    data = await stored_data(runtime)
    assert '"country_code":"NL"' in data
    assert '"country_code":"nl"' not in data
    assert '"country_code":"de"' not in data


@pytest.mark.parametrize(
    ("item", "errors"),
    [
        pytest.param(
            price("DE", 0),
            ["Price retail_price 0 for SKU JKT-1-S must be above 0 and at most 1000000"],
            id="zero",
        ),
        pytest.param(
            price("DE", "-1.50"),
            ["Price retail_price -1.50 for SKU JKT-1-S must be above 0 and at most 1000000"],
            id="negative",
        ),
        pytest.param(
            price("DE", 1000000.01),
            ["Price retail_price 1000000.01 for SKU JKT-1-S must be above 0 and at most 1000000"],
            id="above-maximum",
        ),
        pytest.param(
            price("DE", 50, sale=0),
            ["Price sale_price 0 for SKU JKT-1-S must be above 0 and at most 1000000"],
            id="zero-sale-price",
        ),
        pytest.param(
            price("AT", "99.95", sale=99.95),
            ["Sale price 99.95 must be lower than retail price 99.95 for country AT"],
            id="sale-equals-retail",
        ),
        pytest.param(
            price("DE", 50, sale="60"),
            ["Sale price 60 must be lower than retail price 50 for country DE"],
            id="sale-above-retail",
        ),
        pytest.param(
            price("US", 129.95),
            ["Country not found: 'US' is not a country the marketplace sells in"],
            id="unknown-country",
        ),
        pytest.param(
            price("us", -3),
            [
                "Country not found: 'US' is not a country the marketplace sells in",
                "Price retail_price -3 for SKU JKT-1-S must be above 0 and at most 1000000",
            ],
            id="every-broken-rule",
        ),
        pytest.param(price("DE", 139.9, sku="NOPE"), ["Product not found: NOPE"], id="unknown-sku"),
    ],
)
async def test_price_rules_are_item_errors_that_change_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    variant: None,
    item: dict[str, Any],
    errors: list[str],
) -> None:
    results = await put(client, runtime, seller, "prices", [item, price("NL", 149.5)])

    assert echoes_of(results) == [item, price("NL", 149.5)]
    assert [entry["success"] for entry in results["items"]] == [False, True]
    assert errors_of(results) == [errors, []]
    assert (await product(client, seller))["prices"] == [
        *STORED_PRICES,
        {"country_code": "NL", "retail_price": 149.5, "sale_price": None},
    ]


async def test_the_maximum_price_is_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    results = await put(client, runtime, seller, "prices", [price("DE", 1000000, sale="999999.99")])

    assert errors_of(results) == [[]]
    assert (await product(client, seller))["prices"][0] == {
        "country_code": "DE",
        "retail_price": 1000000,
        "sale_price": 999999.99,
    }


async def test_a_country_given_twice_for_a_sku_in_one_batch_applies_in_order(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [price("DE", 139.9), price("de", 149.9), price("AT", 144.9), price("DE", 159.9)]

    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [[], [], [], []]
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 159.9, "sale_price": None},
        {"country_code": "AT", "retail_price": 144.9, "sale_price": None},
    ]


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([price("DE", "abc")], id="amount-not-numeric"),
        pytest.param([price("DEU", 139.9)], id="country-code-not-two-letters"),
        pytest.param([{"sku": SKU}], id="missing-price"),
        pytest.param([{"price": {"country_code": "DE", "retail_price": 1}}], id="missing-sku"),
        pytest.param([price("DE", n + 1) for n in range(1001)], id="1001-items"),
    ],
)
async def test_price_schema_violations_refuse_the_whole_request(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    variant: None,
    items: list[dict[str, Any]],
) -> None:
    response = await client.put(
        "/api/v1/products/prices", json={"items": items}, headers=seller.headers
    )

    assert response.status_code == 422, response.text
    assert await runtime.worker().run_once() is False
    assert (await product(client, seller))["prices"] == STORED_PRICES


async def test_price_staleness_is_per_country(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    older, newer = "2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z"
    results = await put(client, runtime, seller, "prices", [price("DE", 139.9, valid_at=newer)])
    assert errors_of(results) == [[]]

    items = [price("DE", 149.9, valid_at=older), price("AT", 144.9, valid_at=older)]
    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [
        [price_stale("DE", "2026-01-01T08:00:00+00:00", "2026-01-01T09:00:00+00:00")],
        [],
    ]
    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": 139.9, "sale_price": None},
        {"country_code": "AT", "retail_price": 144.9, "sale_price": None},
    ]

    # Prices and stock keep separate times: the old valid_at still applies to stock.
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(8, older)])) == [[]]
    assert (await product(client, seller))["quantity"] == 8


async def test_a_price_without_valid_at_stamps_the_processing_time(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    clock: ManualClock,
    variant: None,
) -> None:
    clock.advance(7200)  # 2026-01-01T02:00:00Z
    assert errors_of(await put(client, runtime, seller, "prices", [price("DE", 139.9)])) == [[]]

    results = await put(
        client, runtime, seller, "prices", [price("DE", 149.9, valid_at="2026-01-01T01:00:00Z")]
    )

    assert errors_of(results) == [
        [price_stale("DE", "2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00")]
    ]
    assert (await product(client, seller))["prices"][0]["retail_price"] == 139.9


# --- identical resubmission ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "items", "other_items"),
    [
        pytest.param("stocks", [stock(7)], [stock(8)], id="stocks"),
        pytest.param("prices", [price("DE", "139.90")], [price("DE", 139.9)], id="prices"),
    ],
)
async def test_an_identical_body_gets_the_open_batch_id_and_a_new_one_once_it_is_final(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    variant: None,
    kind: str,
    items: list[dict[str, Any]],
    other_items: list[dict[str, Any]],
) -> None:
    async def submit(who: SellerKey, body: list[dict[str, Any]]) -> str:
        response = await client.put(
            f"/api/v1/products/{kind}", json={"items": body}, headers=who.headers
        )
        assert response.status_code == 200, response.text
        batch_id: str = response.json()["batchRequestId"]
        return batch_id

    first = await submit(seller, items)
    assert await submit(seller, items) == first
    different = await submit(seller, other_items)
    from_other_seller = await submit(other_seller, items)
    assert len({first, different, from_other_seller}) == 3

    batches = 0
    while await runtime.worker().run_once():
        batches += 1
    assert batches == 3  # the identical resubmission was not stored as a batch of its own

    results = await processed_results(client, seller, kind, first)
    assert echoes_of(results) == items
    assert errors_of(results) == [[]]

    again = await submit(seller, items)
    assert again not in {first, different, from_other_seller}
    results = await processed(client, runtime, seller, kind, again)
    assert echoes_of(results) == items
    assert errors_of(results) == [[]]
    assert (await processed_results(client, seller, kind, first))["status"] == "completed"


# --- set-based processing --------------------------------------------------------------------


async def test_a_thousand_item_stock_batch_answers_every_item_in_order(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    variants = [
        jacket(sku=f"ST-{n // 8}-{size}", style_key=f"ST-{n // 8}", size=size, ean=ean(n))
        for n, size in enumerate([*SIZES] * 7)
    ][:50]
    assert errors_of(await upsert(client, runtime, seller, variants)) == [[]] * 50
    skus = [item["sku"] for item in variants]

    items = []
    for n in range(1000):
        valid_at = f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        sku = f"NOPE-{n}" if n % 100 == 99 else skus[n % 50]
        items.append(stock(n, valid_at, sku=sku))
    # One item comes late: older than the update of its SKU applied 50 items before.
    items[510] = stock(510, "2026-01-01T00:00:00Z", sku=skus[10])

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "product_variants" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(runtime.database.engine.sync_engine, "before_cursor_execute", record)
    try:
        results = await put(client, runtime, seller, "stocks", items)
    finally:
        event.remove(runtime.database.engine.sync_engine, "before_cursor_execute", record)

    assert echoes_of(results) == items
    expected_errors: list[list[str]] = [[] for _ in items]
    for n in range(99, 1000, 100):
        expected_errors[n] = [f"Product not found: NOPE-{n}"]
    expected_errors[510] = [
        f"Stock update for SKU {skus[10]} is stale: valid_at 2026-01-01T00:00:00+00:00 is "
        "older than the update applied, valid at 2026-01-01T00:07:40+00:00"
    ]
    assert errors_of(results) == expected_errors
    assert statements == ["SELECT", "UPDATE"]  # one read, one write for the whole batch

    expected: dict[str, int] = {}
    for n, item in enumerate(items):
        if not expected_errors[n]:
            expected[item["sku"]] = item["quantity"]
    response = await client.get(
        "/api/v1/products/", params={"per_page": "100"}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    listed = {entry["sku"]: entry["quantity"] for entry in response.json()["items"]}
    assert listed == expected
