"""The EAN rule (docs/api.md#products-batches): 13 digits, a valid mod-10 check digit, a GS1 member
prefix.

Messages are written out literally (not built with ``messages``), so a change of wording that
client code matches by substring is caught here.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean as ean_checksum

from sellers_center.products.rules.item import ean_errors
from sellers_center.runtime import Runtime
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import SellerKey


def code(body: str) -> str:
    """A 13-digit code: the 12 digits of ``body`` and their check digit."""
    assert len(body) == 12
    return body + ean_checksum.calc_check_digit(body)


def too_short_or_long(value: str, length: int) -> str:
    return f"EAN {value!r} must be exactly 13 digits (0-9), got {length} characters"


def reserved(value: str, use: str) -> str:
    return (
        f"EAN {value} has GS1 prefix {value[:3]}, which is reserved for {use} and not for products"
    )


def unassigned(value: str) -> str:
    return f"EAN {value} has GS1 prefix {value[:3]}, which is not assigned to any GS1 organisation"


RESTRICTED = "restricted circulation"
COUPONS = "coupons"
REFUNDS = "refund receipts"

VALID = [
    pytest.param("0012345678905", id="gs1-us-001-literal"),
    pytest.param(code("019876543210"), id="gs1-us-019"),
    pytest.param(code("030000000001"), id="gs1-us-030"),
    pytest.param(code("060000000001"), id="gs1-us-060"),
    pytest.param(code("139999999999"), id="gs1-us-139"),
    pytest.param(code("300000000001"), id="france-300"),
    pytest.param(code("379123456789"), id="france-379"),
    pytest.param("4006381333931", id="germany-400-literal"),
    pytest.param(code("440123456789"), id="germany-440"),
    pytest.param(code("450123456789"), id="japan-450"),
    pytest.param(code("499123456789"), id="japan-499"),
    pytest.param(code("500123456789"), id="uk-500"),
    pytest.param(code("509123456789"), id="uk-509"),
    pytest.param(code("800123456789"), id="italy-800"),
    pytest.param(code("839123456789"), id="italy-839"),
    pytest.param(code("840123456789"), id="spain-840"),
    pytest.param(code("849123456789"), id="spain-849"),
    pytest.param(code("870123456789"), id="netherlands-870"),
    pytest.param(code("879123456789"), id="netherlands-879"),
    pytest.param(code("690123456789"), id="china-690"),
    pytest.param(code("699123456789"), id="china-699"),
    pytest.param(code("900123456789"), id="austria-900"),
    pytest.param(code("919123456789"), id="austria-919"),
    pytest.param("9780306406157", id="isbn-978-literal"),
    pytest.param(code("979123456789"), id="ismn-isbn-979"),
    pytest.param(code("560123456789"), id="portugal-560"),
]

EXCLUDED = [
    pytest.param(code(f"{prefix}123456789"), use, id=f"{label}-{prefix}")
    for prefix, use, label in [
        ("020", RESTRICTED, "restricted"),
        ("029", RESTRICTED, "restricted"),
        ("040", RESTRICTED, "restricted"),
        ("045", RESTRICTED, "restricted"),
        ("049", RESTRICTED, "restricted"),
        ("200", RESTRICTED, "restricted"),
        ("250", RESTRICTED, "restricted"),
        ("299", RESTRICTED, "restricted"),
        ("050", COUPONS, "coupon"),
        ("059", COUPONS, "coupon"),
        ("981", COUPONS, "coupon"),
        ("984", COUPONS, "coupon"),
        ("990", COUPONS, "coupon"),
        ("999", COUPONS, "coupon"),
        ("980", REFUNDS, "refund"),
    ]
]

UNASSIGNED = [
    pytest.param(code(f"{prefix}123456789"), id=f"unassigned-{prefix}")
    for prefix in ["140", "199", "381", "441", "510", "650", "920", "985"]
]

MALFORMED = [
    pytest.param("400638133393", 12, id="12-digits"),
    pytest.param("40063813339310", 14, id="14-digits"),
    pytest.param("96385074", 8, id="ean-8"),
    pytest.param("400638133393A", 13, id="letter"),
    pytest.param("4006381 33393", 13, id="inner-space"),
    pytest.param(" 400638133393", 13, id="leading-space"),
    pytest.param("+400638133393", 13, id="leading-plus"),
    pytest.param("٤" * 13, 13, id="arabic-indic-digits"),
    pytest.param("４００６３８１３３３９３１", 13, id="fullwidth-digits"),
    pytest.param("4006381333931\n", 14, id="trailing-newline"),
    pytest.param("", 0, id="empty"),
]


@pytest.mark.parametrize("value", VALID)
def test_an_ean_with_a_member_prefix_and_check_digit_is_valid(value: str) -> None:
    assert ean_errors(value) == []


@pytest.mark.parametrize(("value", "use"), EXCLUDED)
def test_an_ean_from_a_reserved_range_is_refused(value: str, use: str) -> None:
    assert ean_errors(value) == [reserved(value, use)]


@pytest.mark.parametrize("value", UNASSIGNED)
def test_an_ean_from_an_unassigned_range_is_refused(value: str) -> None:
    assert ean_errors(value) == [unassigned(value)]


@pytest.mark.parametrize(("value", "length"), MALFORMED)
def test_anything_but_13_ascii_digits_is_refused(value: str, length: int) -> None:
    assert ean_errors(value) == [too_short_or_long(value, length)]


def test_the_literal_messages_of_malformed_codes() -> None:
    assert ean_errors("٤" * 13) == [
        "EAN '٤٤٤٤٤٤٤٤٤٤٤٤٤' must be exactly 13 digits (0-9), got 13 characters"
    ]
    assert ean_errors("") == ["EAN '' must be exactly 13 digits (0-9), got 0 characters"]
    assert ean_errors("4006381333931\n") == [
        "EAN '4006381333931\\n' must be exactly 13 digits (0-9), got 14 characters"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "4006381333932",
            "EAN 4006381333932 has an invalid check digit: expected 1, got 2",
            id="germany",
        ),
        pytest.param(
            "0012345678900",
            "EAN 0012345678900 has an invalid check digit: expected 5, got 0",
            id="gs1-us",
        ),
        pytest.param(
            "9780306406158",
            "EAN 9780306406158 has an invalid check digit: expected 7, got 8",
            id="isbn",
        ),
        pytest.param(
            # a bad check digit is reported before a reserved prefix
            "2000000000010",
            "EAN 2000000000010 has an invalid check digit: expected 5, got 0",
            id="restricted-prefix",
        ),
    ],
)
def test_a_bad_check_digit_is_refused(value: str, expected: str) -> None:
    assert ean_errors(value) == [expected]


# Member ranges from GS1's list of member organisations, written independently of gs1.py.
MEMBER_RANGES = [
    (1, 19),
    (30, 39),
    (60, 139),
    (300, 379),
    (400, 440),
    (450, 471),
    (474, 489),
    (490, 509),
    (540, 549),
    (570, 579),
    (690, 709),
    (730, 739),
    (760, 769),
    (800, 849),
    (870, 879),
    (900, 919),
    (930, 949),
    (977, 979),
]
MEMBER_PREFIXES = [f"{p:03d}" for first, last in MEMBER_RANGES for p in range(first, last + 1)]

member_bodies = st.builds(
    str.__add__,
    st.sampled_from(MEMBER_PREFIXES),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(body=member_bodies, last=st.sampled_from("0123456789"))
def test_only_the_check_digit_completes_a_member_code(body: str, last: str) -> None:
    check = ean_checksum.calc_check_digit(body)
    value = body + last
    if last == check:
        assert ean_errors(value) == []
    else:
        expected = f"EAN {value} has an invalid check digit: expected {check}, got {last}"
        assert ean_errors(value) == [expected]


async def test_a_bad_ean_fails_only_its_own_item(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    bad = jacket(sku="JKT-1-S", ean="4006381333932")
    good = jacket(sku="JKT-1-M", size=SIZE_M, ean="4006381333931")

    results = await upsert(client, runtime, seller, [bad, good])

    assert results["status"] == "completed"
    outcomes = [(item["success"], item["errors"]) for item in results["items"]]
    assert outcomes == [
        (False, ["EAN 4006381333932 has an invalid check digit: expected 1, got 2"]),
        (True, []),
    ]
    for sku, expected in [("JKT-1-S", []), ("JKT-1-M", ["4006381333931"])]:
        response = await client.get(
            "/api/v1/products/", params={"sku": sku}, headers=seller.headers
        )
        assert response.status_code == 200
        assert [item["ean"] for item in response.json()["items"]] == expected
