"""The operator's ``orders`` commands and ``products fbm-stock``, in-process against the test
database (``tests.command_line``), from a thread: a command runs its own event loop."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests.command_line import Outcome, run_command
from tests.orders.helpers import (
    MEDIUM,
    SMALL,
    active_jackets,
    listed,
    listed_order,
    quantity,
    stored_statuses,
)
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

ORDER_NUMBER = re.compile(r"[1-9][0-9]{11}")


async def command(database_url: str, *arguments: str) -> Outcome:
    return await asyncio.to_thread(run_command, database_url, *arguments)


@pytest.fixture
async def jackets(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    await active_jackets(client, runtime, seller)


async def test_place_prints_the_order_number_alone_on_the_last_line(
    client: httpx.AsyncClient, database_url: str, seller: SellerKey, jackets: None
) -> None:
    placed = await command(
        database_url,
        "orders",
        "place",
        "--seller",
        seller.name,
        "--item",
        f"{SMALL}:2",
        "--item",
        MEDIUM,
        "--country",
        "at",
        "--seed",
        "5",
    )

    assert placed.returncode == 0, placed.stderr
    *summary, number = placed.stdout.splitlines()
    assert ORDER_NUMBER.fullmatch(number)
    assert summary == [
        f"Placed an order of 3 items for {seller.name} in AT: 299.85 EUR, item ids 1, 2, 3."
    ]
    order = await listed_order(client, seller, number)
    assert [(item["sku"], item["price_with_tax"]) for item in order["order_items"]] == [
        (SMALL, 9995),
        (SMALL, 9995),
        (MEDIUM, 9995),
    ]
    again = await command(
        database_url, "orders", "place", "--seller", seller.name, "--item", SMALL, "--country",
        "AT", "--seed", "5",
    )  # fmt: skip
    second = await listed_order(client, seller, again.stdout.splitlines()[-1])
    assert (second["customer_key"], second["shipping_street"]) == (
        order["customer_key"],
        order["shipping_street"],
    )


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ("--item", f"{SMALL}:6"),
            f"error: Order refused: Product {SMALL} is out of stock: 6 ordered, 5 available",
        ),
        (("--item", ":2"), "error: --item ':2': give SKU or SKU:QTY with QTY 1 or more"),
        (
            ("--item", f"{SMALL}:0"),
            f"error: --item '{SMALL}:0': give SKU or SKU:QTY with QTY 1 or more",
        ),
        (
            ("--item", SMALL, "--country", "US"),
            "error: Order refused: Country not found: 'US' is not a country the marketplace "
            "sells in",
        ),
    ],
)
async def test_a_refused_placement_is_one_error_line_and_changes_nothing(
    client: httpx.AsyncClient,
    runtime: Runtime,
    database_url: str,
    seller: SellerKey,
    jackets: None,
    arguments: tuple[str, ...],
    error: str,
) -> None:
    refused = await command(database_url, "orders", "place", "--seller", seller.name, *arguments)

    assert (refused.returncode, refused.stdout, refused.stderr.strip()) == (1, "", error)
    assert await stored_statuses(runtime) == ([], [])
    assert await quantity(client, seller, SMALL) == (5, None)


async def test_simulate_places_plausible_orders_until_stock_runs_out(
    client: httpx.AsyncClient, database_url: str, seller: SellerKey, jackets: None
) -> None:
    simulated = await command(
        database_url, "orders", "simulate", "--seller", seller.name, "--count", "20", "--seed", "3"
    )

    assert simulated.returncode == 0, simulated.stderr
    *numbers, summary = simulated.stdout.splitlines()
    assert all(ORDER_NUMBER.fullmatch(number) for number in numbers)
    body = await listed(client, seller, per_page=100)
    assert [order["order_number"] for order in body["items"]] == numbers
    units = sum(len(order["order_items"]) for order in body["items"])
    assert units == 7  # every unit of both variants
    assert summary == (
        f"Placed {len(numbers)} of 20 orders for {seller.name}: nothing else in stock could be "
        "ordered."
    )
    assert {order["shop"] for order in body["items"]} <= {"DE", "AT"}
    assert await quantity(client, seller, SMALL) == (0, None)


async def test_list_and_show_print_the_orders(
    client: httpx.AsyncClient, database_url: str, seller: SellerKey, jackets: None
) -> None:
    placed = await command(
        database_url, "orders", "place", "--seller", seller.name, "--item", MEDIUM
    )
    number = placed.stdout.splitlines()[-1]

    listing = await command(database_url, "orders", "list", "--seller", seller.name)
    shipped_only = await command(
        database_url, "orders", "list", "--seller", seller.name, "--status", "shipped"
    )
    shown = await command(database_url, "orders", "show", number)
    unknown = await command(database_url, "orders", "show", "999999999999")

    assert listing.returncode == 0, listing.stderr
    assert number in listing.stdout
    assert "129.95 EUR" in listing.stdout
    assert listing.stdout.splitlines()[-1] == "1 orders in all; page 1 of 1."
    assert number not in shipped_only.stdout
    assert shown.returncode == 0, shown.stderr
    assert f"order       {number}" in shown.stdout
    assert f"seller      {seller.name}" in shown.stdout
    assert MEDIUM in shown.stdout
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "error: Order 999999999999 not found",
    )


async def test_fbm_stock_sets_and_clears_the_marketplace_warehouse_s_units(
    client: httpx.AsyncClient, database_url: str, seller: SellerKey, jackets: None
) -> None:
    base = ("products", "fbm-stock", "--seller", seller.name, "--sku")

    set_ = await command(database_url, *base, SMALL, "--quantity", "4")
    assert (set_.returncode, set_.stdout.strip()) == (
        0,
        f"The marketplace's warehouse holds 4 of {SMALL} for {seller.name}.",
    )
    assert await quantity(client, seller, SMALL) == (5, 4)

    cleared = await command(database_url, *base, SMALL, "--clear")
    assert cleared.returncode == 0, cleared.stderr
    assert await quantity(client, seller, SMALL) == (5, None)

    unknown = await command(database_url, *base, "NOPE", "--quantity", "1")
    neither = await command(database_url, *base, SMALL)
    both = await command(database_url, *base, SMALL, "--quantity", "1", "--clear")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: Product not found: NOPE")
    assert (neither.returncode, neither.stderr.strip()) == (
        1,
        "error: give either --quantity N or --clear",
    )
    assert both.returncode == 1
    assert await quantity(client, seller, SMALL) == (5, None)
