"""Whether a variant can be sold: what publishing a style requires of every variant
(docs/api.md#publication-status-batches). The one place that decides it, whether the variant
comes from an upsert item, a price batch or the stored state."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sellers_center.products.rules import messages


def sale_gaps(
    sku: str, countries: Sequence[str], priced: Collection[str], *, has_images: bool
) -> list[str]:
    """What keeps the variant from being sold: no country to sell in, a country without a
    price, no image. Empty when it is complete."""
    gaps = [] if countries else [messages.sold_nowhere(sku)]
    gaps += [messages.price_lacking(sku, code) for code in countries if code not in priced]
    if not has_images:
        gaps.append(messages.image_lacking(sku))
    return gaps
