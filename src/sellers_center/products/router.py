"""Product reads and deletion (docs/api.md#reading-and-deleting-products). Upserts are the
products batch kind's endpoints. The listing shows each variant with its style's publication
status, so its shapes are the lifecycle's; deletion follows the lifecycle's rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from sellers_center.accounts.service import Principal
from sellers_center.http.dependencies import ReadSession, WriteSession, authenticated
from sellers_center.http.query import Page, PerPage, page_links
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema
from sellers_center.lifecycle.rules import PUBLICATION
from sellers_center.lifecycle.schemas import ProductSchema, ProductsPageSchema, ProductStatus
from sellers_center.pagination import DEFAULT_PER_PAGE, offset
from sellers_center.products import service

router = SlashAgnosticRouter(tags=["Products"])

# Default requests per minute per API key (docs/api.md#limits).
LIST_LIMIT = 1000
DELETE_LIMIT = 100


@router.get(
    "/api/v1/products/",
    summary="List product variants",
    description=describe_limit(LIST_LIMIT),
)
async def list_products(
    request: Request,
    session: ReadSession,
    principal: Annotated[Principal, authenticated("products.read", LIST_LIMIT)],
    style_key: Annotated[str | None, Query(max_length=120)] = None,
    sku: Annotated[str | None, Query(max_length=120)] = None,
    status: Annotated[ProductStatus | None, Query()] = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> ProductsPageSchema:
    listed, total = await service.list_products(
        session,
        principal.seller_id,
        style_key=style_key,
        sku=sku,
        status=status,
        offset=offset(page, per_page),
        limit=per_page,
    )
    products = [
        ProductSchema.model_validate(
            {
                **entry.variant.as_item(),
                "status": entry.status,
                "quantity_fbm": entry.quantity_fbm,
                "colorway_key": entry.variant.colorway_key,
                "created_at": entry.created_at,
                "updated_at": entry.updated_at,
            }
        )
        for entry in listed
    ]
    pagination = page_links(request, page=page, per_page=per_page, total=total)
    return ProductsPageSchema(items=products, pagination=pagination)


@router.delete(
    "/api/v1/products/{sku}",
    summary="Delete a draft product variant",
    description=describe_limit(DELETE_LIMIT),
    status_code=204,
    responses={
        404: {"model": BadRequestSchema, "description": "No such SKU"},
        409: {"model": BadRequestSchema, "description": "The style is no longer a draft"},
    },
)
async def delete_product(
    sku: str,
    session: WriteSession,
    principal: Annotated[Principal, authenticated("products.delete", DELETE_LIMIT)],
) -> Response:
    await service.delete_product(session, principal.seller_id, sku, PUBLICATION)
    return Response(status_code=204)
