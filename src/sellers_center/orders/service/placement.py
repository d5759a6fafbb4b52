"""Placing an order as the marketplace's shop does: every SKU known, its style active, sold and
priced in the shop's country, and in stock; the units reserved atomically; the prices and VAT of
the country copied onto the items (docs/api.md#placing-orders)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.snapshot import Catalog
from sellers_center.errors import InvalidInputError
from sellers_center.lifecycle.schemas import ProductStatus
from sellers_center.orders import repository, rules
from sellers_center.orders.order import (
    Customer,
    FulfillmentType,
    Order,
    OrderItemStatus,
    OrderStatus,
    in_minor_units,
    without_tax,
)
from sellers_center.orders.service import events
from sellers_center.products import service as products
from sellers_center.products.rules import messages
from sellers_center.products.service import ListedVariant, Warehouse

# Order numbers are drawn at random (they tell nothing about a seller's volume); a number
# already taken is drawn again. With 9 * 10**11 numbers a second draw is already rare.
MAX_NUMBER_DRAWS = 10

OrderNumbers = Callable[[], str]


def new_order_number() -> str:
    """Twelve digits, the first not zero."""
    return str(10**11 + secrets.randbelow(9 * 10**11))


def warehouse_of(fulfillment: FulfillmentType) -> Warehouse:
    if fulfillment is FulfillmentType.FULFILLMENT_BY_MARKETPLACE:
        return Warehouse.MARKETPLACE
    return Warehouse.SELLER


@dataclass(frozen=True, slots=True)
class OrderRequest:
    seller_id: int
    units: Mapping[str, int]
    """Units per SKU, in the order the shop listed them."""
    country: str
    fulfillment: FulfillmentType
    customer: Customer


@dataclass(frozen=True, slots=True)
class _Line:
    """What one SKU of the order costs and is called, decided before anything is written."""

    sku: str
    product_name: str
    size_label: str | None
    price_with_tax: int
    price_without_tax: int
    vat: Decimal


async def place_order(
    session: AsyncSession,
    catalog: Catalog,
    request: OrderRequest,
    now: datetime,
    numbers: OrderNumbers = new_order_number,
) -> Order:
    """Place the order or refuse it whole (``InvalidInputError`` naming every problem)."""
    country = request.country.upper()
    problems = _request_problems(catalog, request, country)
    if problems:
        raise InvalidInputError(rules.order_refused(problems))
    variants = await products.variants_by_sku(session, request.seller_id, request.units)
    lines, problems = _lines(catalog, request, country, variants)
    if problems:
        raise InvalidInputError(rules.order_refused(problems))
    warehouse = warehouse_of(request.fulfillment)
    short = await products.reserve_stock(session, request.seller_id, request.units, now, warehouse)
    if short:  # another order took the units since they were read
        fresh = await products.variants_by_sku(session, request.seller_id, short)
        refusals = [_stock_problem(request, sku, fresh.get(sku)) for sku in short]
        raise InvalidInputError(rules.order_refused([text for text in refusals if text]))
    order_id, number = await _insert_order(session, request, country, catalog, now, numbers)
    await repository.insert_items(session, _item_rows(order_id, request, lines, now))
    order = await repository.order_by_number(session, number, request.seller_id)
    assert order is not None
    await events.order_created(session, order, now)
    return order


def _request_problems(catalog: Catalog, request: OrderRequest, country: str) -> list[str]:
    problems = []
    if country not in {entry.code for entry in catalog.countries}:
        problems.append(messages.country_not_sold(country))
    elif catalog.vat_rate(country) is None:
        problems.append(rules.no_vat_rate(country))
    units = sum(request.units.values())
    if not 1 <= units <= rules.MAX_ORDER_UNITS or min(request.units.values(), default=0) < 1:
        problems.append(rules.too_many_units(units))
    return problems


def _lines(
    catalog: Catalog, request: OrderRequest, country: str, variants: Mapping[str, ListedVariant]
) -> tuple[list[_Line], list[str]]:
    vat = catalog.vat_rate(country)
    assert vat is not None  # _request_problems
    currency = next(entry.currency_code for entry in catalog.countries if entry.code == country)
    lines, problems = [], []
    for sku in request.units:
        listed = variants.get(sku)
        problem = _sale_problem(sku, listed, country) or _stock_problem(request, sku, listed)
        if problem is not None or listed is None:
            problems.append(problem or messages.product_not_found(sku))
            continue
        variant = listed.variant
        price = next(entry for entry in variant.prices if entry.country_code == country)
        gross = in_minor_units(price.sale_price or price.retail_price, currency)
        name = variant.details.get("name") or variant.style_key
        size = _size_label(catalog, variant.size, variant.second_size)
        lines.append(_Line(sku, str(name), size, gross, without_tax(gross, vat), vat))
    return lines, problems


def _sale_problem(sku: str, listed: ListedVariant | None, country: str) -> str | None:
    if listed is None:
        return messages.product_not_found(sku)
    variant = listed.variant
    if listed.status != ProductStatus.ACTIVE:
        return rules.style_not_active(sku, variant.style_key, listed.status)
    if country not in (variant.countries or ()):
        return rules.not_sold_in(sku, country)
    if country not in {price.country_code for price in variant.prices}:
        return rules.no_price_in(sku, country)
    return None


def _stock_problem(request: OrderRequest, sku: str, listed: ListedVariant | None) -> str | None:
    if listed is None:
        return messages.product_not_found(sku)
    wanted = request.units[sku]
    if request.fulfillment is FulfillmentType.FULFILLMENT_BY_MARKETPLACE:
        held = listed.quantity_fbm
        if held is not None and held >= wanted:
            return None
        return rules.out_of_marketplace_stock(sku, wanted, held)
    available = listed.variant.quantity
    if available is not None and available >= wanted:
        return None
    return rules.out_of_stock(sku, wanted, available)


def _size_label(catalog: Catalog, size: int | None, second_size: int | None) -> str | None:
    labels = [
        catalog.attributes[value].frontend_name
        for value in (size, second_size)
        if value is not None and value in catalog.attributes
    ]
    return " / ".join(labels) or None


async def _insert_order(
    session: AsyncSession,
    request: OrderRequest,
    country: str,
    catalog: Catalog,
    now: datetime,
    numbers: OrderNumbers,
) -> tuple[int, str]:
    customer = request.customer
    values: dict[str, Any] = {
        "seller_id": request.seller_id,
        "status": OrderStatus.OPEN.value,
        "shop_country": country,
        "currency": next(e.currency_code for e in catalog.countries if e.code == country),
        "fulfillment_type": request.fulfillment.value,
        "customer_key": customer.key,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        **repository.address_values("shipping", customer.shipping),
        **repository.address_values("billing", customer.billing),
        "created_at": now,
        "updated_at": now,
    }
    for _ in range(MAX_NUMBER_DRAWS):
        number = numbers()
        order_id = await repository.insert_order(session, {**values, "order_number": number})
        if order_id is not None:
            return order_id, number
    raise RuntimeError(f"no free order number in {MAX_NUMBER_DRAWS} draws")


def _item_rows(
    order_id: int, request: OrderRequest, lines: list[_Line], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "seller_id": request.seller_id,
            "sku": line.sku,
            "product_name": line.product_name,
            "size_label": line.size_label,
            "status": OrderItemStatus.OPEN.value,
            "price_with_tax": line.price_with_tax,
            "price_without_tax": line.price_without_tax,
            "vat": str(line.vat),
            "created_at": now,
        }
        for line in lines
        for _ in range(request.units[line.sku])
    ]
