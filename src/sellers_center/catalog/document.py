"""The catalogue file format (``catalog import`` / ``catalog export``, the demo catalogue)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """What an attribute group means to the product rules."""

    COLOR = "color"
    SIZE = "size"
    SECOND_SIZE = "second_size"
    BRAND = "brand"
    MATERIAL_CLUSTER = "material_cluster"
    MATERIAL = "material"
    OTHER = "other"


class CompositionType(StrEnum):
    TEXTILE = "textile"
    NON_TEXTILE = "non-textile"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeEntry(_Entry):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    frontend_name: str = Field(min_length=1, max_length=200)


class AttributeGroupEntry(_Entry):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    frontend_name: str = Field(min_length=1, max_length=200)
    role: Role
    is_multiselect: bool
    required: bool
    attributes: list[AttributeEntry]


class CategoryEntry(_Entry):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=200)
    parent_id: int | None
    material_composition_type: CompositionType | None
    attribute_groups: list[int] = Field(
        description="Groups that apply to this category and every category below it."
    )


class CurrencyEntry(_Entry):
    code: str = Field(pattern=r"^[A-Z]{3}$")
    name: str = Field(min_length=1, max_length=100)


class CountryEntry(_Entry):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1, max_length=100)
    currency_code: str = Field(pattern=r"^[A-Z]{3}$")


class LocaleEntry(_Entry):
    code: str = Field(min_length=2, max_length=16)
    name: str = Field(min_length=1, max_length=100)


class RejectionReasonEntry(_Entry):
    key: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    description: str


class CatalogDocument(_Entry):
    format: Literal[1] = 1
    attribute_groups: list[AttributeGroupEntry]
    categories: list[CategoryEntry]
    currencies: list[CurrencyEntry]
    countries: list[CountryEntry]
    locales: list[LocaleEntry]
    rejection_reasons: list[RejectionReasonEntry]
