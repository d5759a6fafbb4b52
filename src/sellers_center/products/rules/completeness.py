"""Whether a variant can be sold: what publishing a style requires of every variant
(docs/api.md#publication-status-batches)."""

from __future__ import annotations

from sellers_center.products.rules import messages
from sellers_center.products.schemas import UpsertProductItemSchema


def sale_gaps(item: UpsertProductItemSchema) -> list[str]:
    """What keeps the variant from being sold; empty when it is complete."""
    gaps = []
    countries = item.countries or []
    if not countries:
        gaps.append(messages.sold_nowhere(item.sku))
    priced = {price.country_code for price in item.prices}
    gaps += [messages.price_lacking(item.sku, code) for code in countries if code not in priced]
    if not item.images:
        gaps.append(messages.image_lacking(item.sku))
    return gaps
