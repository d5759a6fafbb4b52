"""The catalogue file's shape for VAT rates and carrier keys (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sellers_center.catalog.document import CatalogDocument
from tests.catalog.test_lookups import demo_file


def country(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["countries"] if c["code"] == code)
    return found


def carrier(data: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["carriers"] if c["key"] == key)
    return found


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vat_rate", "19.125"),
        ("vat_rate", "NaN"),
        ("vat_rate", "1000"),
        ("vat_rate", True),
        ("key", "dhl_express"),
        ("key", "DHL__EXPRESS"),
        ("key", "_DHL"),
    ],
)
def test_malformed_rates_and_keys_are_not_a_catalogue(field: str, value: object) -> None:
    data = demo_file()
    if field == "vat_rate":
        country(data, "DE")["vat_rate"] = value
    else:
        carrier(data, "DPD")["key"] = value

    with pytest.raises(ValidationError):
        CatalogDocument.model_validate(data)


@pytest.mark.parametrize(
    ("given", "kept"), [("2E+1", "20"), ("-0.00", "0.00"), (25.5, "25.5"), (7, "7")]
)
def test_a_rate_is_kept_as_the_plain_text_of_its_value(given: object, kept: str) -> None:
    data = demo_file()
    country(data, "DE")["vat_rate"] = given

    document = CatalogDocument.model_validate(data)

    assert country(document.model_dump(mode="json"), "DE")["vat_rate"] == kept
