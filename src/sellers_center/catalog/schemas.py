"""API shapes of the catalogue lookups (docs/api.md#catalogue-lookups)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sellers_center.catalog.document import CompositionType
from sellers_center.pagination import PaginationSchema


class CategorySchema(BaseModel):
    id: int
    name: str
    path: str = Field(description="Names from the root down, joined by ' > '.")
    parent_id: int | None
    material_composition_type: CompositionType | None


class CategoriesPageSchema(BaseModel):
    items: list[CategorySchema]
    pagination: PaginationSchema


class AttributeSchema(BaseModel):
    id: int
    name: str
    frontend_name: str


class AttributeGroupSchema(BaseModel):
    id: int
    name: str
    frontend_name: str
    is_multiselect: bool
    required: bool = Field(description="A product of this category needs a value of this group.")
    attributes: list[AttributeSchema]


class BrandSchema(BaseModel):
    id: int
    name: str


class CountrySchema(BaseModel):
    code: str
    name: str


class LocaleSchema(BaseModel):
    code: str
    name: str


class CurrencySchema(BaseModel):
    country_code: str
    code: str
    name: str


class CountriesSchema(BaseModel):
    countries: list[CountrySchema]
    locales: list[LocaleSchema]
    currencies: list[CurrencySchema]


class CarrierSchema(BaseModel):
    key: str = Field(description="What a ship batch names as its ``carrier_key``.")
    carrier_name: str
    country_code: str = Field(description="The selling country it delivers in.")
    display_label: str


class CarriersPageSchema(BaseModel):
    items: list[CarrierSchema]
    pagination: PaginationSchema
