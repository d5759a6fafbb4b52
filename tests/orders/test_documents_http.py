"""GET /api/v1/orders/{order_number}/invoices and /delivery_document
(docs/api.md#order-documents): PDF documents of the seller's own orders, what each shows, and
404 for another seller's or an unknown order. Parsed back with pypdf."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from pypdf import PdfReader

from sellers_center.clock import ManualClock
from sellers_center.orders import router as orders_router
from sellers_center.orders.documents import OrderDocument
from sellers_center.runtime import Runtime
from tests.orders.helpers import MEDIUM, SMALL, active_jackets, batch, place, ship_item
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

DOCUMENTS = ("invoices", "delivery_document")


@pytest.fixture
async def order_number(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> str:
    """Items 1, 2 (JKT-1-S) and 3 (JKT-1-M): 1 shipped with DPD, 2 cancelled, 3 open."""
    await active_jackets(client, runtime, seller)
    order = await place(runtime, seller, {SMALL: 2, MEDIUM: 1})
    await batch(
        client,
        runtime,
        seller,
        "ship-orders",
        [ship_item([1], carrier="DPD", tracking="DPD-0001", return_tracking_key="DPD-R-0001")],
    )
    await batch(client, runtime, seller, "cancel-orders", [{"id": 2}])
    return order.order_number


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def document(
    client: httpx.AsyncClient, seller: SellerKey, number: str, name: str
) -> httpx.Response:
    return await client.get(f"/api/v1/orders/{number}/{name}", headers=seller.headers)


async def test_the_invoice_bills_every_item_but_the_cancelled_ones(
    client: httpx.AsyncClient, seller: SellerKey, order_number: str
) -> None:
    response = await document(client, seller, order_number, "invoices")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="invoice-{order_number}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = text_of(response.content)
    assert f"Invoice number: {order_number}" in text
    assert "1 JKT-1-S Aurora, size S 109.20 EUR 19 % 129.95 EUR" in text
    assert "3 JKT-1-M Aurora, size M 109.20 EUR 19 % 129.95 EUR" in text
    assert "2 JKT-1-S" not in text
    assert "Total 218.40 EUR 41.50 EUR 259.90 EUR" in text


async def test_the_delivery_note_lists_every_item_with_its_keys(
    client: httpx.AsyncClient, seller: SellerKey, order_number: str
) -> None:
    response = await document(client, seller, order_number, "delivery_document")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)
    assert "1 JKT-1-S Aurora, size S shipped DPD DPD-0001 DPD-R-0001" in text
    assert "2 JKT-1-S Aurora, size S cancelled" in text
    assert "3 JKT-1-M Aurora, size M open" in text


async def test_each_download_gives_the_same_document(
    client: httpx.AsyncClient, clock: ManualClock, seller: SellerKey, order_number: str
) -> None:
    first = await document(client, seller, order_number, "invoices")
    clock.advance(86_400)
    second = await document(client, seller, order_number, "invoices")

    assert first.content == second.content


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_another_seller_s_or_an_unknown_order_is_404(
    client: httpx.AsyncClient,
    seller: SellerKey,
    other_seller: SellerKey,
    order_number: str,
    name: str,
) -> None:
    stranger = await document(client, other_seller, order_number, name)
    unknown = await document(client, seller, "999999999999", name)

    assert (stranger.status_code, stranger.json()) == (
        404,
        {"message": f"Order {order_number} not found"},
    )
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": "Order 999999999999 not found"},
    )


async def test_the_hyphenated_path_clients_sometimes_try_is_404(
    client: httpx.AsyncClient, seller: SellerKey, order_number: str
) -> None:
    response = await document(client, seller, order_number, "delivery-document")

    assert response.status_code == 404
    assert response.json()["message"]


async def test_an_order_with_every_item_cancelled_has_no_invoice_but_a_delivery_note(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, order_number: str
) -> None:
    await batch(client, runtime, seller, "cancel-orders", [{"id": 3}])
    order = await place(runtime, seller, {MEDIUM: 1})
    await batch(client, runtime, seller, "cancel-orders", [{"id": order.items[0].id}])

    invoice = await document(client, seller, order.order_number, "invoices")
    note = await document(client, seller, order.order_number, "delivery_document")

    assert (invoice.status_code, invoice.json()) == (
        409,
        {"message": f"Order {order.order_number} has nothing to invoice: every item was cancelled"},
    )
    assert note.status_code == 200


async def test_invoices_are_limited_to_10_a_minute(
    client: httpx.AsyncClient, seller: SellerKey, order_number: str
) -> None:
    answers = [
        (await document(client, seller, "999999999999", "invoices")).status_code for _ in range(11)
    ]

    assert answers == [404] * 10 + [429]


@pytest.mark.parametrize(
    ("name", "renderer"), [("invoices", "invoice_pdf"), ("delivery_document", "delivery_note_pdf")]
)
async def test_a_document_renders_with_no_database_connection_held(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    order_number: str,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    renderer: str,
) -> None:
    """Rendering takes up to seconds: it must not hold a pooled connection meanwhile."""
    pool = runtime.database.engine.sync_engine.pool
    render: Callable[[OrderDocument], bytes] = getattr(orders_router, renderer)
    held: list[int] = []

    def counting(order: OrderDocument) -> bytes:
        held.append(pool.checkedout())  # type: ignore[attr-defined]
        return render(order)

    monkeypatch.setattr(orders_router, renderer, counting)
    response = await document(client, seller, order_number, name)

    assert response.status_code == 200, response.text
    assert held == [0]
