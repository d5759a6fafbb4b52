"""Product variants: the upsert item, the stored variant, the rejected-styles listing.

The models carry types, not the API's bounds: the server checks lengths and ranges (422, the
whole batch) and business rules (per-item errors in the results), so the two cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from sellers_center_client._base import Amount, ApiModel, RequestModel
from sellers_center_client._page import Pagination


class ProductStatus(StrEnum):
    """Publication state of a style, as product listings report it."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"
    PENDING_ACTIVE = "pending_active"
    ACTIVE = "active"
    INACTIVE = "inactive"
    PROBLEM = "problem"


class Price(RequestModel):
    """A variant's price in one selling country, in that country's currency."""

    country_code: str
    retail_price: Amount
    sale_price: Amount | None = None
    """Lower than ``retail_price`` when given."""


class TextileMaterial(RequestModel):
    """One material of a textile cluster; fractions of a cluster add up to 100."""

    material_id: int
    fraction: int


class TextileComposition(RequestModel):
    """The materials of one cluster (shell, lining ...) of a textile product."""

    cluster_id: int
    components: list[TextileMaterial]


class NonTextileMaterial(RequestModel):
    """One material of a non-textile cluster."""

    material_id: int


class NonTextileComposition(RequestModel):
    """The materials of one cluster of a non-textile product."""

    cluster_id: int
    components: list[NonTextileMaterial]


class ProductItem(RequestModel):
    """One product variant to create or update (``products.upsert``).

    ``color``, ``size``, ``second_size``, ``brand``, ``category`` and ``attributes`` are ids from
    the catalogue lookups. ``size`` must always be given, None for categories without sizes.
    """

    style_key: str
    sku: str
    ean: str | None = None
    hs_code: str | None = None
    name: str | None = None
    description: str | None = None
    """Deprecated by the API: use ``descriptions``."""
    descriptions: dict[str, str] | None = None
    """Text per locale code (see ``catalog.countries().locales``)."""
    color: int
    size: int | None
    second_size: int | None = None
    brand: int
    category: int
    quantity: int | None = None
    weight: int
    """Grams."""
    countries: list[str] | None = None
    country_of_origin: str
    attributes: list[int]
    material_composition_textile: list[TextileComposition] | None = None
    material_composition_non_textile: list[NonTextileComposition] | None = None
    prices: list[Price]
    images: list[str]


class Product(ProductItem):
    """A stored variant as last upserted, with its style's publication status."""

    status: ProductStatus | str = Field(union_mode="left_to_right")
    quantity_fbm: int | None
    """Units in the marketplace's warehouse (orders fulfilled by the marketplace); None when
    there are none there."""
    colorway_key: str
    """The same for every variant of the style in this colour."""
    created_at: datetime
    updated_at: datetime


class ProductsPage(ApiModel):
    """One page of ``products.list``."""

    items: list[Product]
    pagination: Pagination


class RejectionReason(ApiModel):
    """Why the marketplace rejected a style; integrations translate by ``key``."""

    key: str
    type: str
    name: str
    description: str


class RejectedProduct(ApiModel):
    """A rejected style: its variants and the reasons."""

    style_key: str
    skus: list[str]
    rejection_reasons: list[RejectionReason]
    rejection_message: str | None
    rejected_at: datetime | None


class RejectedProductsPage(ApiModel):
    """One page of ``products.rejected``."""

    items: list[RejectedProduct]
    pagination: Pagination
