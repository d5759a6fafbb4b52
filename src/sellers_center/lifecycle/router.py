"""``GET /api/v1/products/rejected``: the seller's rejected styles and why
(docs/api.md#publication-status-batches)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from sellers_center.accounts.service import Principal
from sellers_center.http.dependencies import ReadSession, RuntimeDependency, authenticated
from sellers_center.http.query import Page, PerPage, page_links
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.lifecycle import service
from sellers_center.lifecycle.schemas import RejectedProductsPageSchema
from sellers_center.pagination import DEFAULT_PER_PAGE, offset

router = SlashAgnosticRouter(tags=["Products"])

REJECTED_LIMIT = 50


@router.get(
    "/api/v1/products/rejected",
    summary="List rejected styles with the reasons",
    description=describe_limit(REJECTED_LIMIT),
)
async def list_rejected_products(
    request: Request,
    runtime: RuntimeDependency,
    session: ReadSession,
    principal: Annotated[Principal, authenticated("products.rejected", REJECTED_LIMIT)],
    style_key: Annotated[str | None, Query(max_length=120)] = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> RejectedProductsPageSchema:
    catalog = await runtime.catalog.get(session)
    products, total = await service.rejected_products(
        session,
        catalog,
        principal.seller_id,
        style_key=style_key,
        offset=offset(page, per_page),
        limit=per_page,
    )
    pagination = page_links(request, page=page, per_page=per_page, total=total)
    return RejectedProductsPageSchema(items=products, pagination=pagination)
