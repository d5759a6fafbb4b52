"""Whether a variant can be sold: what publishing a style requires of every variant (SPEC §4)."""

from __future__ import annotations

from sellers_center.products.schemas import UpsertProductItemSchema


def sale_gaps(item: UpsertProductItemSchema) -> list[str]:
    """What keeps the variant from being sold; empty when it is complete."""
    gaps = []
    countries = item.countries or []
    if not countries:
        gaps.append(f"Variant {item.sku} cannot be sold: it lists no countries to sell in")
    priced = {price.country_code for price in item.prices}
    gaps += [
        f"Variant {item.sku} cannot be sold: it has no price for country {code}"
        for code in countries
        if code not in priced
    ]
    if not item.images:
        gaps.append(f"Variant {item.sku} cannot be sold: it has no image")
    return gaps
