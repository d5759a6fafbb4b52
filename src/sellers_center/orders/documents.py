"""An order's documents as PDF: the invoice and the delivery note.

Pure functions of a frozen ``OrderDocument``: no database, no clock. The same document gives the
same bytes (the PDF's creation date is the document's ``issued_at``, and its file id a hash of
the content). Text is set in Noto Sans, shipped by the ``fontpkg-noto-sans`` package (Latin,
Greek and Cyrillic, so Polish, Czech, German and Greek names render); the PDF embeds only the
glyphs it uses. A character the font lacks (CJK, emoji) shows as an empty box and is logged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import fontpkg
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, WrapMode

FONT_FAMILY = "NotoSans"
# The package ships one variable font; its default instance is the regular weight. Making a bold
# instance took 9 s per document here (fontTools' instancer), so headings are set apart by size
# and shading instead.
FONT_NAME = "Noto Sans"
PRODUCER = "Sellers Center"
TITLE_SIZE = 16
TEXT_SIZE = 9
TABLE_SIZE = 8
LINE_HEIGHT = 4.5
HEADING_FILL = (228, 228, 228)
INVOICE_COLUMNS = ("Item", "SKU", "Product", "Net", "VAT", "Gross")
INVOICE_WIDTHS = (11, 27, 62, 20, 10, 20)
DELIVERY_COLUMNS = ("Item", "SKU", "Product", "Status", "Carrier", "Tracking", "Return tracking")
DELIVERY_WIDTHS = (8, 22, 34, 12, 20, 30, 30)
VAT_COLUMNS = ("VAT rate", "Net", "VAT", "Gross")


@dataclass(frozen=True, slots=True)
class PostalAddress:
    first_name: str
    last_name: str
    street: str
    additional: str | None
    zip_code: str
    city: str
    country_code: str

    def lines(self) -> list[str]:
        lines = [f"{self.first_name} {self.last_name}", self.street]
        if self.additional:
            lines.append(self.additional)
        lines.append(f"{self.zip_code} {self.city}")
        lines.append(self.country_code)
        return lines


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One order item: one unit of one SKU. Money in the currency's smallest unit."""

    order_item_id: int
    sku: str
    product_name: str
    size_label: str | None
    status: str
    price_with_tax: int
    price_without_tax: int
    vat_rate: Decimal
    """In percent, as the catalogue gave it at placement."""
    carrier_key: str | None = None
    shipment_tracking_key: str | None = None
    return_tracking_key: str | None = None

    @property
    def tax(self) -> int:
        return self.price_with_tax - self.price_without_tax

    @property
    def description(self) -> str:
        if self.size_label:
            return f"{self.product_name}, size {self.size_label}"
        return self.product_name


@dataclass(frozen=True, slots=True)
class VatTotal:
    """The lines of one VAT rate, summed."""

    vat_rate: Decimal
    without_tax: int
    with_tax: int

    @property
    def tax(self) -> int:
        return self.with_tax - self.without_tax


@dataclass(frozen=True, slots=True)
class OrderDocument:
    """What both documents show. The invoice number is the order number. ``lines`` are the
    lines to print, in order; the totals are their sums."""

    order_number: str
    ordered_at: datetime
    issued_at: datetime
    """The document's date; also the PDF's creation date, so rendering is repeatable."""
    seller_name: str
    shop_country: str
    currency: str
    minor_unit: int
    """Decimals of the currency (ISO 4217), such as 2 for EUR."""
    billing_address: PostalAddress
    shipping_address: PostalAddress
    lines: tuple[DocumentLine, ...]

    @property
    def total_with_tax(self) -> int:
        return sum(line.price_with_tax for line in self.lines)

    @property
    def total_without_tax(self) -> int:
        return sum(line.price_without_tax for line in self.lines)

    def vat_totals(self) -> list[VatTotal]:
        """One total per VAT rate, lowest rate first."""
        sums: dict[Decimal, tuple[int, int]] = {}
        for line in self.lines:
            net, gross = sums.get(line.vat_rate, (0, 0))
            sums[line.vat_rate] = (net + line.price_without_tax, gross + line.price_with_tax)
        return [VatTotal(rate, net, gross) for rate, (net, gross) in sorted(sums.items())]


def format_money(amount: int, minor_unit: int, currency: str) -> str:
    """``12995`` cents as ``129.95 EUR``; thousands grouped with a comma."""
    value = Decimal(amount).scaleb(-minor_unit)
    return f"{value:,.{minor_unit}f} {currency}"


def format_rate(rate: Decimal) -> str:
    return f"{rate} %"


def invoice_pdf(document: OrderDocument) -> bytes:
    """The invoice: seller, addresses, every line net, VAT rate and gross, totals per rate."""
    sheet = _Sheet(document, "Invoice")
    sheet.heading_block(
        [
            ("Invoice number", document.order_number),
            ("Order number", document.order_number),
            ("Invoice date", _date(document.issued_at)),
            ("Order date", _date(document.ordered_at)),
            ("Currency", document.currency),
            ("Shop", document.shop_country),
        ]
    )
    sheet.addresses(
        [
            ("Billing address", document.billing_address),
            ("Shipping address", document.shipping_address),
        ]
    )
    money = functools.partial(_money, document)
    rows = [
        (
            str(line.order_item_id),
            line.sku,
            line.description,
            money(line.price_without_tax),
            format_rate(line.vat_rate),
            money(line.price_with_tax),
        )
        for line in document.lines
    ]
    sheet.grid(INVOICE_COLUMNS, INVOICE_WIDTHS, rows, right_aligned={3, 4, 5})
    sheet.section("Totals by VAT rate")
    totals = [
        (format_rate(t.vat_rate), money(t.without_tax), money(t.tax), money(t.with_tax))
        for t in document.vat_totals()
    ]
    totals.append(
        (
            "Total",
            money(document.total_without_tax),
            money(document.total_with_tax - document.total_without_tax),
            money(document.total_with_tax),
        )
    )
    sheet.grid(VAT_COLUMNS, (1, 1, 1, 1), totals, right_aligned={1, 2, 3})
    return sheet.render()


def delivery_note_pdf(document: OrderDocument) -> bytes:
    """The delivery note: shipping address, every item with its SKU, carrier and tracking keys."""
    sheet = _Sheet(document, "Delivery note")
    sheet.heading_block(
        [
            ("Order number", document.order_number),
            ("Order date", _date(document.ordered_at)),
            ("Date", _date(document.issued_at)),
            ("Shop", document.shop_country),
            ("Items", str(len(document.lines))),
        ]
    )
    sheet.addresses([("Shipping address", document.shipping_address)])
    rows = [
        (
            str(line.order_item_id),
            line.sku,
            line.description,
            line.status,
            line.carrier_key or "",
            line.shipment_tracking_key or "",
            line.return_tracking_key or "",
        )
        for line in document.lines
    ]
    sheet.grid(DELIVERY_COLUMNS, DELIVERY_WIDTHS, rows, right_aligned=set())
    return sheet.render()


def _date(moment: datetime) -> str:
    return moment.date().isoformat()


def _money(document: OrderDocument, amount: int) -> str:
    return format_money(amount, document.minor_unit, document.currency)


@functools.cache
def _font_path() -> Path:
    return Path(fontpkg.path(FONT_NAME))


class _Sheet(FPDF):
    """An A4 page set with the document's title, and its number on every page."""

    def __init__(self, document: OrderDocument, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document_title = f"{title} {document.order_number}"
        self.set_creation_date(document.issued_at)
        self.set_title(self.document_title)
        self.set_author(document.seller_name)
        self.set_creator(PRODUCER)
        self.set_producer(PRODUCER)
        self.add_font(FONT_FAMILY, "", _font_path())
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font(FONT_FAMILY, size=TITLE_SIZE)
        self.cell(text=title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(size=TEXT_SIZE)
        self.cell(text=document.seller_name, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=TABLE_SIZE)
        self.cell(0, text=f"{self.document_title} · page {self.page_no()} of {{nb}}", align="C")

    def heading_block(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.set_font(size=TEXT_SIZE)
        for label, value in pairs:
            self.cell(35, LINE_HEIGHT, text=f"{label}:")
            self.cell(0, LINE_HEIGHT, text=value, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def addresses(self, blocks: Sequence[tuple[str, PostalAddress]]) -> None:
        """Side by side, one column each."""
        width = self.epw / 2
        top = self.get_y()
        bottom = top
        for index, (label, address) in enumerate(blocks):
            self.set_xy(self.l_margin + index * width, top)
            text = "\n".join([f"{label}:", *address.lines()])
            self.multi_cell(width - 4, LINE_HEIGHT, text=text, new_x="LEFT", new_y="NEXT")
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 4)

    def section(self, title: str) -> None:
        self.ln(3)
        self.set_font(size=TEXT_SIZE + 1)
        self.cell(text=title, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(
        self,
        headings: Sequence[str],
        widths: Sequence[float],
        rows: Iterable[Sequence[str]],
        *,
        right_aligned: set[int],
    ) -> None:
        """A table whose heading row repeats on every page it spans."""
        self.set_font(size=TABLE_SIZE)
        with self.table(
            col_widths=tuple(widths),
            headings_style=FontFace(emphasis="NONE", fill_color=HEADING_FILL),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=LINE_HEIGHT,
            text_align="LEFT",
            # Wraps at spaces; a word longer than its cell (a tracking key) is broken too.
            wrapmode=WrapMode.WORD,
            padding=1,
        ) as table:
            for row in [headings, *rows]:
                cells = table.row()
                for index, text in enumerate(row):
                    cells.cell(text, align="RIGHT" if index in right_aligned else "LEFT")

    def render(self) -> bytes:
        return bytes(self.output())
