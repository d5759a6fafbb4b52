"""Carriers and standard VAT rates in the catalogue: the demo data, import and export, the rules
an import checks, and the cached lookups the order side reads."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from sellers_center.catalog import service as catalog
from sellers_center.catalog.document import CARRIER_KEY_PATTERN, CatalogDocument
from sellers_center.catalog.service import ImportOutcome
from sellers_center.catalog.snapshot import Catalog
from sellers_center.db.tables import Country
from sellers_center.errors import InvalidInputError
from sellers_center.runtime import Runtime
from tests.catalog.test_import_export import (
    Change,
    edited,
    export_document,
    import_document,
    stored_version,
)
from tests.catalog.test_lookups import demo_file
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

# Standard rates in force in 2026 (FI from September 2024, SK from January 2025, EE from July
# 2025, RO from August 2025).
DEMO_RATES = {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
}  # fmt: skip
GERMAN_CARRIERS = ["DHL_EXPRESS", "DHL_STD_NATIONAL", "DPD", "GLS", "HERMES", "UPS"]
NEW_CARRIER = {
    "key": "DHL_SAME_DAY",
    "carrier_name": "DHL",
    "country_code": "DE",
    "display_label": "DHL same day",
}


def country(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["countries"] if c["code"] == code)
    return found


def carrier(data: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["carriers"] if c["key"] == key)
    return found


def old_file() -> CatalogDocument:
    """The demo catalogue as a file written before carriers and VAT rates existed."""
    data = demo_file()
    del data["carriers"]
    for entry in data["countries"]:
        del entry["vat_rate"]
    return CatalogDocument.model_validate_json(json.dumps(data))


async def snapshot(runtime: Runtime) -> Catalog:
    async with runtime.database.read_session() as session:
        return await runtime.catalog.get(session)


async def stored_rates(runtime: Runtime) -> dict[str, str | None]:
    async with runtime.database.read_session() as session:
        rows = await session.execute(select(Country.code, Country.vat_rate))
        return {row.code: row.vat_rate for row in rows}


# --- the demo catalogue -------------------------------------------------------------------------


async def test_every_demo_country_has_its_2026_standard_rate(runtime: Runtime) -> None:
    found = await snapshot(runtime)

    assert {code: str(rate) for code, rate in found.vat_rates.items()} == DEMO_RATES
    assert await stored_rates(runtime) == DEMO_RATES


async def test_every_demo_country_has_a_carrier_and_keys_are_upper_snake_case(
    runtime: Runtime,
) -> None:
    found = await snapshot(runtime)

    assert {c.code for c in found.countries} == set(found.carriers_by_country)
    assert all(found.carriers_of(code) for code in DEMO_RATES)
    assert all(re.fullmatch(CARRIER_KEY_PATTERN, c.key) for c in found.carriers)
    assert len(found.carriers) == len(demo_file()["carriers"]) == 68


async def test_lookups_by_key_and_by_country(runtime: Runtime) -> None:
    found = await snapshot(runtime)

    dhl = found.carrier("DHL_STD_NATIONAL")
    assert dhl is not None
    assert (dhl.carrier_name, dhl.country_code) == ("DHL", "DE")
    assert found.carrier("NO_SUCH_CARRIER") is None
    assert [c.key for c in found.carriers_of("DE")] == GERMAN_CARRIERS
    assert [c.key for c in found.carriers_of("PL")] == ["DPD_PL", "INPOST", "POCZTA_POLSKA"]
    assert found.carriers_of("US") == ()
    assert (found.vat_rate("FI"), found.vat_rate("DE"), found.vat_rate("US")) == (
        Decimal("25.5"),
        Decimal("19"),
        None,
    )


async def test_carriers_are_listed_by_country_then_key(runtime: Runtime) -> None:
    found = await snapshot(runtime)

    order = [(c.country_code, c.key) for c in found.carriers]
    assert order == sorted(order)
    assert order[:4] == [
        ("AT", "AUSTRIAN_POST"),
        ("AT", "DPD_AT"),
        ("AT", "GLS_AT"),
        ("AT", "UPS_AT"),
    ]


# --- import and export --------------------------------------------------------------------------


def change_carriers_and_rates(data: dict[str, Any]) -> None:
    country(data, "DE")["vat_rate"] = "16"
    country(data, "FR")["vat_rate"] = "20.00"
    carrier(data, "HERMES")["display_label"] = "Hermes Paket"
    data["carriers"] = [c for c in data["carriers"] if c["key"] != "UPS"]
    data["carriers"].append(NEW_CARRIER)


async def test_changed_carriers_and_rates_export_as_imported_and_reimport_changes_nothing(
    runtime: Runtime,
) -> None:
    changed = edited(change_carriers_and_rates)

    first = await import_document(runtime.database, changed)
    second = await import_document(runtime.database, changed)
    exported = (await export_document(runtime)).model_dump(mode="json")

    assert (first, second) == (
        ImportOutcome(changed=True, version=2),
        ImportOutcome(changed=False, version=2),
    )
    expected = changed.model_dump(mode="json")
    expected["carriers"].sort(key=lambda entry: entry["key"])  # the export's order
    assert exported == expected
    assert (country(exported, "DE")["vat_rate"], country(exported, "FR")["vat_rate"]) == (
        "16",
        "20.00",
    )
    keys = [c["key"] for c in exported["carriers"]]
    assert ("UPS" in keys, "DHL_SAME_DAY" in keys) == (False, True)
    assert carrier(exported, "HERMES")["display_label"] == "Hermes Paket"


async def test_import_is_seen_by_the_cached_lookups(runtime: Runtime) -> None:
    before = await snapshot(runtime)

    await import_document(runtime.database, edited(change_carriers_and_rates))
    after = await snapshot(runtime)

    assert (before.vat_rate("DE"), after.vat_rate("DE")) == (Decimal("19"), Decimal("16"))
    assert [c.key for c in after.carriers_of("DE")] == [
        "DHL_EXPRESS",
        "DHL_SAME_DAY",
        "DHL_STD_NATIONAL",
        "DPD",
        "GLS",
        "HERMES",
    ]


async def test_reordered_carriers_are_the_same_catalogue(runtime: Runtime) -> None:
    outcome = await import_document(
        runtime.database, edited(lambda data: data["carriers"].reverse())
    )

    assert outcome == ImportOutcome(changed=False, version=1)


async def test_a_file_from_before_carriers_and_rates_imports_and_clears_them(
    runtime: Runtime,
) -> None:
    outcome = await import_document(runtime.database, old_file())
    found = await snapshot(runtime)
    exported = await export_document(runtime)

    assert outcome == ImportOutcome(changed=True, version=2)
    assert (found.carriers, found.vat_rates, found.vat_rate("DE")) == ((), {}, None)
    assert exported.carriers == []
    assert {c.vat_rate for c in exported.countries} == {None}
    assert set((await stored_rates(runtime)).values()) == {None}


async def test_dropping_a_country_drops_its_carriers(runtime: Runtime) -> None:
    def drop_austria(data: dict[str, Any]) -> None:
        data["countries"] = [c for c in data["countries"] if c["code"] != "AT"]
        data["carriers"] = [c for c in data["carriers"] if c["country_code"] != "AT"]

    await import_document(runtime.database, edited(drop_austria))
    found = await snapshot(runtime)

    assert found.carriers_of("AT") == ()
    assert found.carrier("AUSTRIAN_POST") is None
    assert len(found.carriers) == 68 - 4


# --- what an import refuses ---------------------------------------------------------------------


def carrier_abroad(data: dict[str, Any]) -> None:
    data["carriers"].append({**NEW_CARRIER, "country_code": "US"})


def duplicate_carrier(data: dict[str, Any]) -> None:
    data["carriers"].append({**NEW_CARRIER, "key": "DPD"})


def rate_above_100(data: dict[str, Any]) -> None:
    country(data, "HU")["vat_rate"] = "100.5"


def negative_rate(data: dict[str, Any]) -> None:
    country(data, "HU")["vat_rate"] = "-1"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (carrier_abroad, "carrier DHL_SAME_DAY delivers in US, not a selling country"),
        (duplicate_carrier, "carrier DPD appears twice"),
        (rate_above_100, "country HU has VAT rate 100.5; a rate is 0 to 100"),
        (negative_rate, "country HU has VAT rate -1; a rate is 0 to 100"),
    ],
    ids=["carrier-abroad", "duplicate-carrier", "rate-above-100", "negative-rate"],
)
async def test_invalid_carriers_or_rates_are_refused_and_change_nothing(
    runtime: Runtime, change: Change, problem: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await import_document(runtime.database, edited(change))

    assert refused.value.message == f"Invalid catalogue: {problem}"
    assert await stored_version(runtime) == 1
    assert (await export_document(runtime)).model_dump() == catalog.demo_document().model_dump()
