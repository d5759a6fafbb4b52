"""The variant as the products domain knows it: one value per upsert item, built once.

Everything that needs a variant's codes, its stock, its countries and prices or whether it can
be sold reads them from this value; how it is stored is ``products/repository``'s business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sellers_center.products.rules import completeness
from sellers_center.products.schemas import UpsertProductItemSchema

# The item's fields stored as they come, in one JSON document: nothing looks them up or
# changes them on their own.
DETAIL_FIELDS = frozenset(
    {
        "hs_code",
        "name",
        "description",
        "descriptions",
        "weight",
        "country_of_origin",
        "attributes",
        "material_composition_textile",
        "material_composition_non_textile",
        "images",
    }
)


@dataclass(frozen=True, slots=True)
class VariantPrice:
    """A price in one country; amounts are exact decimals."""

    country_code: str
    retail_price: Decimal
    sale_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Variant:
    sku: str
    style_key: str
    ean: str | None
    brand: int
    category: int
    color: int
    size: int | None
    second_size: int | None
    quantity: int | None
    countries: tuple[str, ...] | None
    """In the seller's order; None when the item gave none (not even an empty list)."""
    prices: tuple[VariantPrice, ...]
    details: Mapping[str, Any]
    """The rest of the item (``DETAIL_FIELDS``), as JSON-ready values."""
    sale_gaps: tuple[str, ...] = field(init=False)
    """What keeps the variant from being sold; empty when it can be. Derived from the
    countries, prices and images, never given."""

    def __post_init__(self) -> None:
        gaps = completeness.sale_gaps(
            self.sku,
            self.countries or (),
            {price.country_code for price in self.prices},
            has_images=self.has_images,
        )
        object.__setattr__(self, "sale_gaps", tuple(gaps))

    @classmethod
    def of(cls, item: UpsertProductItemSchema) -> Variant:
        return cls(
            sku=item.sku,
            style_key=item.style_key,
            ean=item.ean,
            brand=item.brand,
            category=item.category,
            color=item.color,
            size=item.size,
            second_size=item.second_size,
            quantity=item.quantity,
            countries=None if item.countries is None else tuple(item.countries),
            prices=tuple(
                VariantPrice(price.country_code, price.retail_price, price.sale_price)
                for price in item.prices
            ),
            details=item.model_dump(include=set(DETAIL_FIELDS)),
        )

    @property
    def is_sellable(self) -> bool:
        return not self.sale_gaps

    @property
    def colorway_key(self) -> str:
        """The same for every variant of one style in one colour: the style key and the colour
        id joined by a hyphen (``AURORA-1001``). Colour ids hold no hyphen, so two colourways
        never share a key."""
        return f"{self.style_key}-{self.color}"

    @property
    def has_images(self) -> bool:
        return bool(self.details.get("images"))

    def as_item(self) -> dict[str, Any]:
        """The variant as the upsert item that would store it (prices as exact decimals)."""
        return {
            **self.details,
            "style_key": self.style_key,
            "sku": self.sku,
            "ean": self.ean,
            "color": self.color,
            "size": self.size,
            "second_size": self.second_size,
            "brand": self.brand,
            "category": self.category,
            "quantity": self.quantity,
            "countries": None if self.countries is None else list(self.countries),
            "prices": [
                {
                    "country_code": price.country_code,
                    "retail_price": price.retail_price,
                    "sale_price": price.sale_price,
                }
                for price in self.prices
            ],
        }
