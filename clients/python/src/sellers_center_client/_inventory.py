"""Stock, price and publication-status items (``stocks.update``, ``prices.update``,
``status.update``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sellers_center_client._base import Amount, RequestModel


class StockItem(RequestModel):
    """The quantity available of one existing variant.

    ``valid_at`` protects against reordering: an update older than the last one applied to the
    SKU is not applied (an item error says so). Without it, arrival order decides.
    """

    sku: str
    quantity: int
    valid_at: datetime | None = None


class PriceUpdate(RequestModel):
    """A new price for one selling country."""

    country_code: str
    retail_price: Amount
    sale_price: Amount | None = None


class PriceItem(RequestModel):
    """A new price of one existing variant in one country; ``valid_at`` as for stock."""

    sku: str
    price: PriceUpdate
    valid_at: datetime | None = None


class PublicationStatus(StrEnum):
    """The statuses a seller may set on a style."""

    PUBLISHED = "published"
    """Toward approval, then active (straight to active after ``inactive``)."""
    INACTIVE = "inactive"
    """Hidden after activation."""
    DRAFT = "draft"
    """Back to preparation; only before approval."""


class StatusItem(RequestModel):
    """The status to set on one style (all its variants). An unknown value is an item error
    naming the allowed ones, so ``status`` is any string; ``PublicationStatus`` lists them."""

    style_key: str
    status: str
