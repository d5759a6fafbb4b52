"""Stock and price items for one SKU in one batch apply as later batches would, and the bounds of
``valid_at`` and of amounts (issue 10, items 5 and 8; docs/api.md#stock-batches, #price-batches)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sellers_center.catalog import service as catalog
from sellers_center.catalog.document import CountryEntry, CurrencyEntry
from sellers_center.clock import ManualClock
from sellers_center.engine import service as engine
from sellers_center.runtime import Runtime
from tests.inventory.helpers import (
    SKU,
    STORED_PRICES,
    errors_of,
    price,
    price_stale,
    product,
    put,
    stock,
    stock_stale,
)
from tests.products.factory import SIZE_M, ean, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

OTHER_SKU = "JKT-1-M"
# The clock starts at 2026-01-01T00:00:00Z.
NOW = "2026-01-01T00:00:00+00:00"


@pytest.fixture
async def other_variant(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    """A second variant like JKT-1-S, to replay a batch's items one batch each."""
    item = jacket(sku=OTHER_SKU, size=SIZE_M, ean=ean(4711))
    assert errors_of(await upsert(client, runtime, seller, [item])) == [[]]


async def replayed_one_per_batch(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    kind: str,
    items: list[dict[str, Any]],
) -> list[list[str]]:
    """``items`` sent for OTHER_SKU, each in a batch of its own; their errors, named for SKU."""
    errors = []
    for item in items:
        results = await put(client, runtime, seller, kind, [{**item, "sku": OTHER_SKU}])
        errors += [
            [e.replace(OTHER_SKU, SKU) for e in item_errors] for item_errors in errors_of(results)
        ]
    return errors


# --- repeats within a batch (item 8) ---------------------------------------------------------

STOCKS = [
    stock(1, "2025-12-31T09:00:00Z"),
    stock(2, "2025-12-31T08:00:00Z"),  # older than the first: stale
    stock(3),  # no valid_at: applies, keeps the processing time
    stock(4, "2026-01-01T06:00:00Z"),
    stock(5, "2026-01-01T05:00:00Z"),  # older than the fourth: stale
    stock(6, "2026-01-01T06:00:00Z"),  # as old as the fourth: applies
]
STOCK_ERRORS = [
    [],
    [stock_stale("2025-12-31T08:00:00+00:00", "2025-12-31T09:00:00+00:00")],
    [],
    [],
    [stock_stale("2026-01-01T05:00:00+00:00", "2026-01-01T06:00:00+00:00")],
    [],
]


async def test_stock_items_for_one_sku_in_a_batch_apply_as_later_batches_would(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, other_variant: None
) -> None:
    results = await put(client, runtime, seller, "stocks", STOCKS)

    assert errors_of(results) == STOCK_ERRORS
    assert (await product(client, seller))["quantity"] == 6
    assert await replayed_one_per_batch(client, runtime, seller, "stocks", STOCKS) == STOCK_ERRORS
    assert (await product(client, seller, OTHER_SKU))["quantity"] == 6


PRICES = [
    price("DE", 139.9, valid_at="2025-12-31T09:00:00Z"),
    price("de", 149.9),  # no valid_at: applies, keeps the processing time
    price("AT", 144.9, valid_at="2025-12-31T08:00:00Z"),  # another country: its own time
    price("DE", 159.9, valid_at="2025-12-31T10:00:00Z"),  # older than the second: stale
    price("DE", 169.9, sale="149.90", valid_at="2026-01-01T01:00:00Z"),
    price("AT", 174.9, valid_at="2025-12-31T07:00:00Z"),  # older than the third: stale
]
PRICE_ERRORS = [
    [],
    [],
    [],
    [price_stale("DE", "2025-12-31T10:00:00+00:00", NOW)],
    [],
    [price_stale("AT", "2025-12-31T07:00:00+00:00", "2025-12-31T08:00:00+00:00")],
]
APPLIED_PRICES = [
    {"country_code": "DE", "retail_price": 169.9, "sale_price": 149.9},
    {"country_code": "AT", "retail_price": 144.9, "sale_price": None},
]


async def test_price_items_for_one_sku_and_country_in_a_batch_apply_as_later_batches_would(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, other_variant: None
) -> None:
    results = await put(client, runtime, seller, "prices", PRICES)

    assert errors_of(results) == PRICE_ERRORS
    assert (await product(client, seller))["prices"] == APPLIED_PRICES
    assert await replayed_one_per_batch(client, runtime, seller, "prices", PRICES) == PRICE_ERRORS
    assert (await product(client, seller, OTHER_SKU))["prices"] == APPLIED_PRICES


# --- valid_at bounds (item 5) ----------------------------------------------------------------


def stock_ahead(valid_at: str, limit: str = "2026-01-02T00:00:00+00:00") -> str:
    return (
        f"Stock update for SKU {SKU} is too far ahead: valid_at {valid_at} is later than "
        f"{limit}, one day after the time of processing"
    )


async def test_a_stock_valid_at_more_than_a_day_ahead_is_refused_and_freezes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [
        stock(7, "9999-12-31T23:59:59Z"),
        stock(8, "9999-12-31T23:59:59-14:00"),  # past the last day UTC can hold
        stock(9, "2026-01-02T00:00:01Z"),
    ]

    results = await put(client, runtime, seller, "stocks", items)

    assert errors_of(results) == [
        [stock_ahead("9999-12-31T23:59:59+00:00")],
        [stock_ahead("9999-12-31T23:59:59-14:00")],
        [stock_ahead("2026-01-02T00:00:01+00:00")],
    ]
    assert (await product(client, seller))["quantity"] == 5
    # Nothing was frozen: an update without valid_at still applies.
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(10)])) == [[]]
    assert (await product(client, seller))["quantity"] == 10


async def test_a_valid_at_exactly_a_day_ahead_applies_and_the_limit_follows_the_clock(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    clock: ManualClock,
    variant: None,
) -> None:
    results = await put(client, runtime, seller, "stocks", [stock(7, "2026-01-02T00:00:00Z")])
    assert errors_of(results) == [[]]

    later = "2026-01-03T00:00:00Z"
    results = await put(client, runtime, seller, "stocks", [stock(8, later)])
    assert errors_of(results) == [[stock_ahead("2026-01-03T00:00:00+00:00")]]
    assert (await product(client, seller))["quantity"] == 7

    clock.advance(24 * 3600)
    assert errors_of(await put(client, runtime, seller, "stocks", [stock(8, later)])) == [[]]
    assert (await product(client, seller))["quantity"] == 8


async def test_a_price_valid_at_more_than_a_day_ahead_is_refused_with_its_country(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [
        price("DE", 139.9, valid_at="9999-12-31T23:59:59Z"),
        price("AT", 144.9, valid_at="2026-01-02T00:00:00Z"),
    ]

    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [
        [
            f"Price update for SKU {SKU} in DE is too far ahead: valid_at "
            "9999-12-31T23:59:59+00:00 is later than 2026-01-02T00:00:00+00:00, one day after "
            "the time of processing"
        ],
        [],
    ]
    assert (await product(client, seller))["prices"] == [
        STORED_PRICES[0],
        {"country_code": "AT", "retail_price": 144.9, "sale_price": None},
    ]


async def test_a_valid_at_before_year_one_in_utc_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    items = [stock(7, "0001-01-01T00:00:00+14:00"), stock(8)]

    results = await put(client, runtime, seller, "stocks", items)

    assert errors_of(results) == [
        [f"Update for SKU {SKU} has valid_at 0001-01-01T00:00:00+14:00, before year 1 in UTC"],
        [],
    ]
    assert (await product(client, seller))["quantity"] == 8


# --- amounts in the currency of the country (item 5) -----------------------------------------


def too_precise(field: str, amount: str, code: str = "DE", currency: str = "EUR") -> str:
    places = 0 if currency == "ISK" else 2
    return (
        f"Price {field} {amount} for country {code} has more decimals than {currency} allows: "
        f"at most {places}"
    )


def below_smallest(amount: str, code: str = "DE", currency: str = "EUR") -> str:
    smallest = "1" if currency == "ISK" else "0.01"
    return (
        f"Price retail_price {amount} for country {code} is below the smallest amount of "
        f"{currency}, {smallest}"
    )


async def put_raw(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, amount: bytes
) -> list[list[str]]:
    """A price batch whose DE amount is written exactly as given, in JSON."""
    body = b'{"items": [{"sku": "JKT-1-S", "price": {"country_code": "DE", "retail_price": '
    response = await client.put(
        "/api/v1/products/prices", content=body + amount + b"}}]}", headers=seller.headers
    )
    assert response.status_code == 200, response.text
    assert await runtime.worker().run_once() is True
    results = await client.get(
        "/api/v1/results/prices",
        params={"batch_request_id": response.json()["batchRequestId"]},
        headers=seller.headers,
    )
    return errors_of(results.json())


@pytest.mark.parametrize(
    ("amount", "errors", "listed"),
    [
        pytest.param(b"1e-999", [below_smallest("1E-999")], 129.95, id="rounds-to-zero"),
        pytest.param(b'"0.001"', [below_smallest("0.001")], 129.95, id="below-a-cent"),
        pytest.param(
            b"129.955", [too_precise("retail_price", "129.955")], 129.95, id="three-decimals"
        ),
        pytest.param(b'"139.900"', [], 139.9, id="trailing-zeros-are-no-decimals"),
        # Stored as its decimal reads ("1E+2"), which the listing once refused (500).
        pytest.param(b"1e2", [], 100.0, id="exponent-notation"),
    ],
)
async def test_an_amount_must_be_whole_units_of_the_currency(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    variant: None,
    amount: bytes,
    errors: list[str],
    listed: float,
) -> None:
    assert await put_raw(client, runtime, seller, amount) == [errors]

    assert (await product(client, seller))["prices"] == [
        {"country_code": "DE", "retail_price": listed, "sale_price": None},
        STORED_PRICES[1],
    ]


async def test_a_sale_price_finer_than_the_currency_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    results = await put(client, runtime, seller, "prices", [price("DE", 139.9, sale="99.999")])

    assert errors_of(results) == [[too_precise("sale_price", "99.999")]]
    assert (await product(client, seller))["prices"] == STORED_PRICES


async def test_the_decimals_are_those_of_the_countrys_currency(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    """A country whose currency has no minor unit (ISO 4217: ISK, 0 decimals)."""
    document = catalog.demo_document()
    document.currencies.append(CurrencyEntry(code="ISK", name="Icelandic krona"))
    document.countries.append(CountryEntry(code="IS", name="Iceland", currency_code="ISK"))
    async with runtime.database.write_session.begin() as session:
        await catalog.import_document(session, document)
    items = [price("IS", "19990.50"), price("IS", 0.5), price("IS", "19990.00")]

    results = await put(client, runtime, seller, "prices", items)

    assert errors_of(results) == [
        [too_precise("retail_price", "19990.50", "IS", "ISK")],
        [below_smallest("0.5", "IS", "ISK")],
        [],
    ]
    assert (await product(client, seller))["prices"][2] == {
        "country_code": "IS",
        "retail_price": 19990,
        "sale_price": None,
    }


# --- a batch stored before its items were refused at submit (item 2 meets item 3) ------------


async def test_a_stored_item_with_a_nul_character_is_an_item_error_and_the_others_apply(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, variant: None
) -> None:
    """Queued before submit refused NUL: PostgreSQL cannot store it, so the worker refuses the
    item alone (it used to fail the whole batch after its retries on PostgreSQL)."""
    body = (
        b'{"items": [{"sku": "JKT-1-S\\u0000", "quantity": 1}, {"sku": "JKT-1-S", "quantity": 2}]}'
    )
    async with runtime.database.write_session.begin() as session:
        submission = await engine.submit(
            session,
            kind="stocks",
            seller_id=seller.seller_id,
            body=body,
            item_count=2,
            now=runtime.clock.now(),
        )
    assert await runtime.worker().run_once() is True

    response = await client.get(
        "/api/v1/results/stocks",
        params={"batch_request_id": str(submission.batch_id)},
        headers=seller.headers,
    )
    assert response.json()["status"] == "completed"
    assert errors_of(response.json()) == [
        ["Invalid item: sku: String must not contain NUL (\\u0000): it cannot be stored"],
        [],
    ]
    assert (await product(client, seller))["quantity"] == 2
