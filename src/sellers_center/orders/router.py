"""Orders (docs/api.md#orders): the seller's listing, the two documents of an order as PDF, and
in sandbox mode the shop's placement. Ship, cancel and return are the batch kinds' endpoints."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Query, Request, Response

from sellers_center.accounts.service import Principal
from sellers_center.http.dependencies import (
    ReadSession,
    RuntimeDependency,
    WriteSession,
    authenticated,
)
from sellers_center.http.query import PerPage
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema
from sellers_center.orders import service
from sellers_center.orders.customer import plausible_customer
from sellers_center.orders.documents import OrderDocument, delivery_note_pdf, invoice_pdf
from sellers_center.orders.order import OrderStatus
from sellers_center.orders.schemas import (
    OrderSchema,
    OrdersPageSchema,
    QueryTime,
    SandboxOrderRequestSchema,
    order_schema,
)
from sellers_center.pagination import DEFAULT_PER_PAGE, MAX_PAGE, PaginationSchema

router = SlashAgnosticRouter(tags=["Orders"])
sandbox_router = SlashAgnosticRouter(tags=["Sandbox"])

# Default requests per minute per API key (docs/api.md#limits).
LIST_LIMIT = 100
INVOICES_LIMIT = 10
DELIVERY_DOCUMENT_LIMIT = 100
SANDBOX_LIMIT = 100
PDF_RESPONSE = {
    "description": "The document",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}
NOT_FOUND = {"model": BadRequestSchema, "description": "No such order of this seller"}


@router.get(
    "/api/v1/orders/",
    summary="List orders",
    description=describe_limit(LIST_LIMIT),
    responses={400: {"model": BadRequestSchema, "description": "Page and cursor, or a bad cursor"}},
)
async def list_orders(
    request: Request,
    session: ReadSession,
    principal: Annotated[Principal, authenticated("orders.list", LIST_LIMIT)],
    order_number: Annotated[str | None, Query(max_length=32)] = None,
    order_status: Annotated[OrderStatus | None, Query()] = None,
    orders_from: Annotated[QueryTime | None, Query()] = None,
    orders_to: Annotated[QueryTime | None, Query()] = None,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="Page number.")] = None,
    per_page: PerPage = DEFAULT_PER_PAGE,
    cursor: Annotated[
        str | None, Query(max_length=200, description="From the previous page's next link.")
    ] = None,
) -> OrdersPageSchema:
    """Oldest first. Follow ``pagination.next`` (a cursor) to page through without gaps or
    repeats while orders arrive."""
    condition = service.OrderFilter(order_number, order_status, orders_from, orders_to)
    listing = await service.list_orders(
        session, principal.seller_id, condition, page=page, per_page=per_page, cursor=cursor
    )
    items = [order_schema(order) for order in listing.orders]
    return OrdersPageSchema(items=items, pagination=_pagination(request, listing, per_page))


def _pagination(request: Request, listing: service.OrderPage, per_page: int) -> PaginationSchema:
    """``next`` carries the cursor of the following page, ``prev`` a page number; both keep the
    request's other parameters."""
    kept = {k: v for k, v in request.query_params.items() if k not in ("page", "cursor")}
    kept["per_page"] = str(per_page)
    path = request.url.path
    pages = math.ceil(listing.total / per_page)
    following = None
    if listing.next_cursor is not None:
        following = f"{path}?{urlencode({**kept, 'cursor': listing.next_cursor})}"
    previous = None
    if listing.page > 1:
        previous = f"{path}?{urlencode({**kept, 'page': min(listing.page - 1, max(pages, 1))})}"
    return PaginationSchema(
        page=listing.page,
        per_page=per_page,
        pages=pages,
        total=listing.total,
        next=following,
        prev=previous,
    )


@router.get(
    "/api/v1/orders/{order_number}/invoices",
    summary="The invoice of an order (PDF)",
    description=describe_limit(INVOICES_LIMIT),
    response_class=Response,
    responses={
        200: PDF_RESPONSE,
        404: NOT_FOUND,
        409: {"model": BadRequestSchema, "description": "Every item was cancelled"},
    },
)
async def get_invoice(
    order_number: str,
    runtime: RuntimeDependency,
    principal: Annotated[Principal, authenticated("orders.invoices", INVOICES_LIMIT)],
) -> Response:
    async with runtime.unit.read() as session:
        document = await service.invoice_document(session, principal.seller_id, order_number)
    return await _pdf(invoice_pdf, document, f"invoice-{order_number}.pdf")


@router.get(
    "/api/v1/orders/{order_number}/delivery_document",
    summary="The delivery note of an order (PDF)",
    description=describe_limit(DELIVERY_DOCUMENT_LIMIT),
    response_class=Response,
    responses={200: PDF_RESPONSE, 404: NOT_FOUND},
)
async def get_delivery_document(
    order_number: str,
    runtime: RuntimeDependency,
    principal: Annotated[
        Principal, authenticated("orders.delivery_document", DELIVERY_DOCUMENT_LIMIT)
    ],
) -> Response:
    async with runtime.unit.read() as session:
        document = await service.delivery_note_document(session, principal.seller_id, order_number)
    return await _pdf(delivery_note_pdf, document, f"delivery-note-{order_number}.pdf")


async def _pdf(
    render: Callable[[OrderDocument], bytes], document: OrderDocument, name: str
) -> Response:
    # Rendering takes 0.2 s for a small order and 1.5 s for 200 lines (measured): off the loop,
    # and after the document's read has ended, so that no pooled connection waits on it (the
    # handlers read in a unit of their own rather than a ReadSession, which would last until
    # they return).
    content = await asyncio.to_thread(render, document)
    disposition = f'inline; filename="{quote(name)}"'
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@sandbox_router.post(
    "/api/v1/sandbox/orders",
    summary="Place an order as the shop would (sandbox only)",
    description=describe_limit(SANDBOX_LIMIT),
    status_code=201,
    responses={400: {"model": BadRequestSchema, "description": "The order is refused"}},
)
async def place_sandbox_order(
    body: SandboxOrderRequestSchema,
    runtime: RuntimeDependency,
    session: WriteSession,
    principal: Annotated[Principal, authenticated("sandbox.orders", SANDBOX_LIMIT)],
) -> OrderSchema:
    """Customer fields left out are made up for the country."""
    units: dict[str, int] = {}
    for line in body.items:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    customer = plausible_customer(
        body.country_code,
        random.Random(),
        email=body.customer_email,
        phone=body.customer_phone,
        first_name=body.recipient_first_name,
        last_name=body.recipient_last_name,
    )
    request = service.OrderRequest(
        principal.seller_id, units, body.country_code, body.fulfillment_type, customer
    )
    catalog = await runtime.catalog.get(session)
    order = await service.place_order(session, catalog, request, runtime.clock.now())
    return order_schema(order)
