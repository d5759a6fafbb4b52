"""Money in the smallest currency unit, net prices, and the customers orders are placed for:
pure functions, no database."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from sellers_center.orders.customer import LOCALITIES, plausible_customer
from sellers_center.orders.order import in_minor_units, order_status, without_tax


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("129.95", "EUR", 12995),
        ("1299", "HUF", 129900),
        ("1500", "JPY", 1500),
        ("12.345", "KWD", 12345),
    ],
)
def test_prices_become_integers_of_the_currency_s_smallest_unit(
    amount: str, currency: str, minor: int
) -> None:
    assert in_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("gross", "rate", "net"),
    [(12995, "19", 10920), (9995, "20", 8329), (100, "25.5", 80), (119, "19", 100), (5, "0", 5)],
)
def test_the_net_price_is_rounded_half_up_to_the_smallest_unit(
    gross: int, rate: str, net: int
) -> None:
    assert without_tax(gross, Decimal(rate)) == net


@pytest.mark.parametrize(
    ("statuses", "derived"),
    [
        (["open", "open"], "open"),
        (["shipped"], "shipped"),
        (["cancelled", "cancelled"], "cancelled"),
        (["returned", "returned"], "returned"),
        (["open", "shipped"], "mixed"),
        (["shipped", "returned"], "mixed"),
        (["cancelled", "shipped"], "mixed"),
    ],
)
def test_an_order_s_status_is_its_items_one_state_else_mixed(
    statuses: list[str], derived: str
) -> None:
    assert order_status(statuses) == derived


def test_the_same_seed_gives_the_same_customer_and_another_seed_another() -> None:
    first = plausible_customer("PL", random.Random(11))

    assert plausible_customer("PL", random.Random(11)) == first
    assert plausible_customer("PL", random.Random(12)) != first
    assert first.shipping == first.billing
    assert first.shipping.country_code == "PL"
    assert first.email.endswith("@example.com")
    assert first.phone.startswith("+48 ")


@pytest.mark.parametrize("country", sorted(LOCALITIES))
def test_customers_of_every_selling_country_have_names_and_addresses_of_it(country: str) -> None:
    locality = LOCALITIES[country]
    for seed in range(20):
        customer = plausible_customer(country, random.Random(seed))
        address = customer.shipping
        first = locality.first_names.index(address.first_name)
        last = locality.last_names.index(address.last_name)
        assert first % 2 == last % 2  # a first name with a last name of the same form
        assert (address.zip_code, address.city) in locality.places
        assert customer.email.isascii()


def test_given_fields_are_kept_and_the_rest_made_up() -> None:
    customer = plausible_customer(
        "GR",
        random.Random(3),
        email="eleni@example.org",
        phone="+30 210 0000000",
        first_name="Ελένη",
        last_name="Νικολάου",
    )

    assert (customer.email, customer.phone) == ("eleni@example.org", "+30 210 0000000")
    assert (customer.shipping.first_name, customer.shipping.last_name) == ("Ελένη", "Νικολάου")
    assert customer.shipping.city in {city for _, city in LOCALITIES["GR"].places}
