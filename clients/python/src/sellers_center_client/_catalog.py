"""Catalogue lookups: categories, attribute groups, brands, countries, carriers (API guide:
catalogue)."""

from __future__ import annotations

from enum import StrEnum

from sellers_center_client._base import ApiModel
from sellers_center_client._page import Pagination


class CompositionType(StrEnum):
    """Which material composition a category's products declare."""

    TEXTILE = "textile"
    NON_TEXTILE = "non-textile"


class Category(ApiModel):
    """A category; products go into leaf categories only."""

    id: int
    name: str
    path: str
    """Names from the root down, joined by ``" > "``."""
    parent_id: int | None
    material_composition_type: CompositionType | None


class CategoriesPage(ApiModel):
    """One page of ``catalog.categories``."""

    items: list[Category]
    pagination: Pagination


class Attribute(ApiModel):
    """One value of an attribute group (a colour, a size, a material ...)."""

    id: int
    name: str
    frontend_name: str


class AttributeGroup(ApiModel):
    """A group of attribute values that applies to a category (``color``, ``size``,
    ``jacket_style`` ...); ``required`` groups need a value on every product of it."""

    id: int
    name: str
    frontend_name: str
    is_multiselect: bool
    required: bool
    attributes: list[Attribute]


class Brand(ApiModel):
    """A brand the seller may use."""

    id: int
    name: str


class Country(ApiModel):
    """A selling country (ISO 3166-1 alpha-2 code)."""

    code: str
    name: str


class Locale(ApiModel):
    """A locale accepted as a key of a product's ``descriptions``."""

    code: str
    name: str


class Currency(ApiModel):
    """The currency prices are given in for a selling country."""

    country_code: str
    code: str
    name: str


class Countries(ApiModel):
    """Selling countries, locales and currencies of the marketplace."""

    countries: list[Country]
    locales: list[Locale]
    currencies: list[Currency]


class Carrier(ApiModel):
    """A carrier of a selling country; ``key`` is what a shipment names as its carrier."""

    key: str
    carrier_name: str
    country_code: str
    display_label: str


class CarriersPage(ApiModel):
    """One page of ``catalog.carriers``, by country then key."""

    items: list[Carrier]
    pagination: Pagination
