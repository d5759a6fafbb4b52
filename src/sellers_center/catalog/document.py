"""The catalogue file format (``catalog import`` / ``catalog export``, the demo catalogue)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Carrier keys as the live service spells them: DHL_STD_NATIONAL, POSTNL, ...
CARRIER_KEY_PATTERN = r"^[A-Z0-9]+(_[A-Z0-9]+)*$"


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
    vat_rate: Decimal | None = Field(
        default=None,
        # Fits the stored text (countries.vat_rate, 8 characters) whatever the exponent.
        max_digits=5,
        decimal_places=2,
        description="The standard VAT rate in percent (19, 25.5), 0 to 100 (``validate``). "
        "Without one, no order can be placed in this country (files written before rates "
        "existed have none).",
    )

    @field_validator("vat_rate")
    @classmethod
    def _fixed_point(cls, rate: Decimal | None) -> Decimal | None:
        """``2E+1`` becomes ``20`` and ``-0`` ``0``: the rate is stored and exported as the
        text of its value."""
        return None if rate is None else Decimal(format(rate, "f")) + 0


class CarrierEntry(_Entry):
    key: str = Field(min_length=1, max_length=64, pattern=CARRIER_KEY_PATTERN)
    carrier_name: str = Field(min_length=1, max_length=100)
    country_code: str = Field(
        pattern=r"^[A-Z]{2}$", description="The selling country it delivers in."
    )
    display_label: str = Field(min_length=1, max_length=200)


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
    carriers: list[CarrierEntry] = Field(
        default_factory=list, description="Absent from files written before carriers existed."
    )
