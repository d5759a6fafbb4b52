"""Plausible orders over a seller's active variants, for demos and load (``orders simulate``):
one to three SKUs in stock in a country they are sold and priced in, one or two units each,
a customer of that country."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.snapshot import Catalog
from sellers_center.lifecycle.schemas import ProductStatus
from sellers_center.orders.customer import plausible_customer
from sellers_center.orders.order import FulfillmentType
from sellers_center.orders.service.placement import OrderRequest
from sellers_center.products import service as products
from sellers_center.products.service import ListedVariant

# Variants read to choose from: variety enough for a simulation, and a bounded read for a
# seller with hundreds of thousands of variants.
SHELF_LIMIT = 2000
PAGE_SIZE = 100
MAX_SKUS_PER_ORDER = 3
MAX_UNITS_PER_SKU = 2


@dataclass
class Shelf:
    """What a simulation may order: active variants and the units it believes are left."""

    variants: dict[str, ListedVariant]
    left: dict[str, int] = field(default_factory=dict)

    def take(self, units: dict[str, int]) -> None:
        for sku, count in units.items():
            self.left[sku] -= count

    def sold_in(self, country: str) -> list[str]:
        return [
            sku
            for sku, listed in self.variants.items()
            if self.left[sku] > 0
            and country in (listed.variant.countries or ())
            and country in {price.country_code for price in listed.variant.prices}
        ]


async def shelf(session: AsyncSession, seller_id: int, fulfillment: FulfillmentType) -> Shelf:
    """The seller's active variants (at most ``SHELF_LIMIT``) with stock for ``fulfillment``."""
    found: dict[str, ListedVariant] = {}
    for start in range(0, SHELF_LIMIT, PAGE_SIZE):
        page, _ = await products.list_products(
            session,
            seller_id,
            style_key=None,
            sku=None,
            status=ProductStatus.ACTIVE,
            offset=start,
            limit=PAGE_SIZE,
        )
        found.update((listed.variant.sku, listed) for listed in page)
        if len(page) < PAGE_SIZE:
            break
    left = {sku: _stock(listed, fulfillment) for sku, listed in found.items()}
    return Shelf(found, left)


def _stock(listed: ListedVariant, fulfillment: FulfillmentType) -> int:
    if fulfillment is FulfillmentType.FULFILLMENT_BY_MARKETPLACE:
        return listed.quantity_fbm or 0
    return listed.variant.quantity or 0


def random_request(
    catalog: Catalog,
    stock: Shelf,
    seller_id: int,
    generator: random.Random,
    *,
    country: str | None,
    fulfillment: FulfillmentType,
) -> OrderRequest | None:
    """An order over what is left on the shelf, or None when nothing can be ordered."""
    countries = [country] if country else sorted(catalog.vat_rates)
    orderable = {code: stock.sold_in(code) for code in countries if catalog.vat_rate(code)}
    orderable = {code: skus for code, skus in orderable.items() if skus}
    if not orderable:
        return None
    chosen = generator.choice(sorted(orderable))
    candidates = orderable[chosen]
    skus = generator.sample(
        candidates, min(len(candidates), generator.randint(1, MAX_SKUS_PER_ORDER))
    )
    units = {sku: generator.randint(1, min(MAX_UNITS_PER_SKU, stock.left[sku])) for sku in skus}
    customer = plausible_customer(chosen, generator)
    return OrderRequest(seller_id, units, chosen, fulfillment, customer)
