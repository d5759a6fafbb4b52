"""The invoice and the delivery note as PDF: what each shows, Unicode names, pagination and
repeatable output. Parsed back with pypdf."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from sellers_center.orders.documents import (
    DocumentLine,
    OrderDocument,
    PostalAddress,
    VatTotal,
    delivery_note_pdf,
    format_money,
    invoice_pdf,
)

ORDERED_AT = datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
ISSUED_AT = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
BILLING = PostalAddress(
    first_name="Łukasz",
    last_name="Wałęsa",
    street="ul. Świętokrzyska 12",
    additional="m. 4",
    zip_code="00-116",
    city="Warszawa",
    country_code="PL",
)
SHIPPING = PostalAddress(
    first_name="Αλέξανδρος",
    last_name="Παπαδόπουλος",
    street="Οδός Ερμού 25",
    additional=None,
    zip_code="105 63",
    city="Αθήνα",
    country_code="GR",
)
JACKET = DocumentLine(
    order_item_id=41,
    sku="AURORA-BLK-S",
    product_name="Aurora jacket",
    size_label="S",
    status="shipped",
    price_with_tax=12995,
    price_without_tax=10565,
    vat_rate=Decimal("23"),
    carrier_key="INPOST",
    shipment_tracking_key="6202834110241450",
    return_tracking_key="RET-6202834110241450",
)
SCARF = DocumentLine(
    order_item_id=42,
    sku="ČAPKA-ŠÁL-1",
    product_name="Šála Straße",
    size_label=None,
    status="open",
    price_with_tax=4999,
    price_without_tax=4629,
    vat_rate=Decimal("8"),
)
SECOND_JACKET = replace(
    JACKET,
    order_item_id=43,
    sku="AURORA-BLK-M",
    size_label="M",
    shipment_tracking_key="6202834110241467",
    return_tracking_key=None,
)

Render = Callable[[OrderDocument], bytes]


def order(*lines: DocumentLine) -> OrderDocument:
    return OrderDocument(
        order_number="SC-2026-000123",
        ordered_at=ORDERED_AT,
        issued_at=ISSUED_AT,
        seller_name="Nordwind Moda sp. z o.o.",
        shop_country="PL",
        currency="PLN",
        minor_unit=2,
        billing_address=BILLING,
        shipping_address=SHIPPING,
        lines=lines or (JACKET, SCARF, SECOND_JACKET),
    )


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    """Every page's text with line breaks as spaces (a long cell wraps)."""
    return " ".join(" ".join(pages_text(pdf)).split())


def address_lines(address: PostalAddress) -> list[str]:
    return address.lines()


# --- both documents -----------------------------------------------------------------------------


@pytest.mark.parametrize("render", [invoice_pdf, delivery_note_pdf])
def test_a_document_is_a_pdf_that_parses_back(render: Render) -> None:
    pdf = render(order())

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None
    assert reader.metadata.author == "Nordwind Moda sp. z o.o."


@pytest.mark.parametrize("render", [invoice_pdf, delivery_note_pdf])
def test_the_same_document_renders_to_the_same_bytes(render: Render) -> None:
    first, second = render(order()), render(order())
    later = render(replace(order(), issued_at=datetime(2026, 5, 3, tzinfo=UTC)))

    assert first == second
    assert later != first
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None
    assert metadata.creation_date == ISSUED_AT


# --- the invoice --------------------------------------------------------------------------------


def test_invoice_shows_seller_numbers_dates_and_both_addresses() -> None:
    text = text_of(invoice_pdf(order()))

    assert "Invoice number: SC-2026-000123" in text
    assert "Order number: SC-2026-000123" in text
    assert "Invoice date: 2026-05-02" in text
    assert "Order date: 2026-05-01" in text
    assert "Nordwind Moda sp. z o.o." in text
    for line in [*address_lines(BILLING), *address_lines(SHIPPING)]:
        assert line in text, line


def test_invoice_lines_show_net_rate_and_gross() -> None:
    text = text_of(invoice_pdf(order()))

    assert "41 AURORA-BLK-S Aurora jacket, size S 105.65 PLN 23 % 129.95 PLN" in text
    assert "42 ČAPKA-ŠÁL-1 Šála Straße 46.29 PLN 8 % 49.99 PLN" in text
    assert "43 AURORA-BLK-M Aurora jacket, size M 105.65 PLN 23 % 129.95 PLN" in text


def test_invoice_totals_per_rate_and_overall() -> None:
    text = text_of(invoice_pdf(order()))

    assert "8 % 46.29 PLN 3.70 PLN 49.99 PLN" in text
    assert "23 % 211.30 PLN 48.60 PLN 259.90 PLN" in text
    assert "Total 257.59 PLN 52.30 PLN 309.89 PLN" in text


def test_vat_totals_group_lines_by_rate_lowest_first() -> None:
    document = order()

    assert document.vat_totals() == [
        VatTotal(Decimal("8"), without_tax=4629, with_tax=4999),
        VatTotal(Decimal("23"), without_tax=21130, with_tax=25990),
    ]
    assert (document.total_without_tax, document.total_with_tax) == (25759, 30989)


# --- the delivery note --------------------------------------------------------------------------


def test_delivery_note_shows_the_shipping_address_items_carriers_and_tracking_keys() -> None:
    text = text_of(delivery_note_pdf(order()))

    assert "Delivery note" in text
    assert "Order number: SC-2026-000123" in text
    for line in address_lines(SHIPPING):
        assert line in text, line
    assert "Wałęsa" not in text  # the billing address is the invoice's
    assert (
        "41 AURORA-BLK-S Aurora jacket, size S shipped INPOST 6202834110241450 RET-6202834110241450"
    ) in text
    assert "42 ČAPKA-ŠÁL-1 Šála Straße open" in text
    assert "43 AURORA-BLK-M Aurora jacket, size M shipped INPOST 6202834110241467" in text


# --- a long order -------------------------------------------------------------------------------


def many_lines(count: int) -> tuple[DocumentLine, ...]:
    return tuple(
        replace(
            JACKET,
            order_item_id=1000 + index,
            sku=f"AURORA-{index:03d}",
            shipment_tracking_key=f"TRK{index:013d}",
            return_tracking_key=f"RET{index:013d}",
        )
        for index in range(count)
    )


@pytest.mark.parametrize(
    ("render", "heading"), [(invoice_pdf, "Gross"), (delivery_note_pdf, "Tracking")]
)
def test_a_200_line_order_runs_over_pages_with_every_line_once(
    render: Render, heading: str
) -> None:
    lines = many_lines(200)

    pages = pages_text(render(order(*lines)))

    assert len(pages) > 3
    assert all(heading in page for page in pages[:-1])  # the table's heading row repeats
    skus = re.findall(r"AURORA-\d{3}", " ".join(pages))
    assert skus == [line.sku for line in lines]
    assert pages[-1].rstrip().endswith(f"page {len(pages)} of {len(pages)}")


def test_a_200_line_invoice_totals_every_line() -> None:
    text = text_of(invoice_pdf(order(*many_lines(200))))

    assert "Total 21,130.00 PLN 4,860.00 PLN 25,990.00 PLN" in text


# --- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "minor_unit", "currency", "shown"),
    [
        (12995, 2, "EUR", "129.95 EUR"),
        (5, 2, "EUR", "0.05 EUR"),
        (0, 2, "EUR", "0.00 EUR"),
        (123456789, 2, "HUF", "1,234,567.89 HUF"),
        (1500, 0, "JPY", "1,500 JPY"),
        (1234, 3, "BHD", "1.234 BHD"),
    ],
)
def test_money_is_shown_in_the_currencys_decimals(
    amount: int, minor_unit: int, currency: str, shown: str
) -> None:
    assert format_money(amount, minor_unit, currency) == shown


# --- text the font lacks ------------------------------------------------------------------------


def test_a_character_the_font_lacks_is_a_box_and_a_logged_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokyo = replace(SHIPPING, city="東京")

    with caplog.at_level(logging.WARNING):
        pdf = delivery_note_pdf(replace(order(), shipping_address=tokyo))

    assert pdf.startswith(b"%PDF-")
    assert "Οδός Ερμού 25" in text_of(pdf)
    assert any("missing the following glyphs" in r.getMessage() for r in caplog.records)
