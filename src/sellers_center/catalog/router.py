"""Catalogue lookups (docs/api.md#catalogue-lookups). Bare arrays where the live service answers
with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from sellers_center.accounts import service as accounts
from sellers_center.accounts.service import Principal
from sellers_center.catalog import service
from sellers_center.catalog.schemas import (
    AttributeGroupSchema,
    BrandSchema,
    CarrierSchema,
    CarriersPageSchema,
    CategoriesPageSchema,
    CategorySchema,
    CountriesSchema,
    CurrencySchema,
)
from sellers_center.http.dependencies import ReadSession, RuntimeDependency, authenticated
from sellers_center.http.query import Page, PerPage, page_links
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema
from sellers_center.pagination import DEFAULT_PER_PAGE, offset

router = SlashAgnosticRouter(tags=["Catalogue"])

# Default requests per minute per API key (docs/api.md#limits); operators override them by bucket
# name.
CATEGORIES_LIMIT = 100
ATTRIBUTE_GROUPS_LIMIT = 300
BRANDS_LIMIT = 100
COUNTRIES_LIMIT = 100
CARRIERS_LIMIT = 100


@router.get(
    "/api/v1/categories/",
    summary="Search categories",
    description=describe_limit(CATEGORIES_LIMIT),
)
async def list_categories(
    request: Request,
    runtime: RuntimeDependency,
    session: ReadSession,
    _: Annotated[Principal, authenticated("categories", CATEGORIES_LIMIT)],
    query: Annotated[
        str | None, Query(description="Words that must all occur in the path.")
    ] = None,
    parent_category: Annotated[int | None, Query(description="Only children of this id.")] = None,
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> CategoriesPageSchema:
    catalog = await runtime.catalog.get(session)
    found = service.find_categories(catalog, query=query, parent_id=parent_category)
    start = offset(page, per_page)
    items = [
        CategorySchema(
            id=node.id,
            name=node.entry.name,
            path=node.path,
            parent_id=node.entry.parent_id,
            material_composition_type=node.entry.material_composition_type,
        )
        for node in found[start : start + per_page]
    ]
    pagination = page_links(request, page=page, per_page=per_page, total=len(found))
    return CategoriesPageSchema(items=items, pagination=pagination)


@router.get(
    "/api/v1/categories/{category_id}/attribute-groups",
    summary="Attribute groups of a category",
    description=describe_limit(ATTRIBUTE_GROUPS_LIMIT),
    responses={404: {"model": BadRequestSchema, "description": "No such category"}},
)
async def list_attribute_groups(
    category_id: int,
    runtime: RuntimeDependency,
    session: ReadSession,
    _: Annotated[Principal, authenticated("attribute_groups", ATTRIBUTE_GROUPS_LIMIT)],
) -> list[AttributeGroupSchema]:
    catalog = await runtime.catalog.get(session)
    groups = service.attribute_groups(catalog, category_id)
    return [AttributeGroupSchema.model_validate(group, from_attributes=True) for group in groups]


@router.get(
    "/api/v1/brands/",
    summary="Brands of the seller",
    description=describe_limit(BRANDS_LIMIT),
)
async def list_brands(
    session: ReadSession,
    principal: Annotated[Principal, authenticated("brands", BRANDS_LIMIT)],
) -> list[BrandSchema]:
    brands = await accounts.seller_brands(session, principal.seller_id)
    return [BrandSchema(id=brand_id, name=name) for brand_id, name in brands]


@router.get(
    "/api/v1/countries/",
    summary="Selling countries, locales and currencies",
    description=describe_limit(COUNTRIES_LIMIT),
)
async def list_countries(
    runtime: RuntimeDependency,
    session: ReadSession,
    _: Annotated[Principal, authenticated("countries", COUNTRIES_LIMIT)],
) -> CountriesSchema:
    catalog = await runtime.catalog.get(session)
    currencies = [
        CurrencySchema(
            country_code=country.code,
            code=country.currency_code,
            name=catalog.currencies[country.currency_code].name,
        )
        for country in catalog.countries
    ]
    return CountriesSchema.model_validate(
        {
            "countries": catalog.countries,
            "locales": catalog.locales,
            "currencies": currencies,
        },
        from_attributes=True,
    )


@router.get(
    "/api/v1/orders/carriers/",
    summary="Carriers of the selling countries",
    description=describe_limit(CARRIERS_LIMIT),
)
async def list_carriers(
    request: Request,
    runtime: RuntimeDependency,
    session: ReadSession,
    _: Annotated[Principal, authenticated("orders.carriers", CARRIERS_LIMIT)],
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> CarriersPageSchema:
    """Every carrier of the catalogue, by country then key."""
    catalog = await runtime.catalog.get(session)
    start = offset(page, per_page)
    items = [
        CarrierSchema.model_validate(carrier, from_attributes=True)
        for carrier in catalog.carriers[start : start + per_page]
    ]
    pagination = page_links(request, page=page, per_page=per_page, total=len(catalog.carriers))
    return CarriersPageSchema(items=items, pagination=pagination)
