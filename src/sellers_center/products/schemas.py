"""The product models of the contract (``contract/results-products.openapi.json``), verbatim.

The JSON Schema these emit is compared field by field with the contract by a test, so: no
docstrings on contract models (they would become descriptions), and ``default`` keys, which the
contract does not show, are removed from the emitted schema.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from sellers_center.engine.status import RequestStatus

PROPERTY_ID = "ID (integer) of this property"
COUNTRY_CODE = "ISO 3166-1 alpha-2 country code"
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
MAX_PRICE = 1_000_000
# Units of one variant, in the upsert as on the stock endpoint (docs/api.md#stock-batches).
MAX_QUANTITY = 1_000_000
# How an amount sent as a string must be written (published with the price endpoint).
NUMERIC_TEXT_PATTERN = r"^-?\d+(\.\d+)?$"
# The same in Python: ``\d`` and ``$`` mean more here than in the JSON Schema pattern (digits
# of every script; a trailing newline), so the ASCII digits are spelled out for ``fullmatch``.
NUMERIC_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def exact_numeric_text(value: Any) -> Any:
    """A string amount as the pattern says: Decimal() alone also takes "  12 ", "1_000",
    "1e3", "NaN" and Arabic-Indic digits."""
    if isinstance(value, str) and not NUMERIC_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "string_pattern_mismatch",
            "String should match pattern '{pattern}'",
            {"pattern": NUMERIC_TEXT_PATTERN},
        )
    return value


def at_most(limit: int) -> AfterValidator:
    """``le`` checked without showing in the JSON Schema (for contract fields whose published
    schema has no maximum); the error is pydantic's own."""

    def check(value: int) -> int:
        if value > limit:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": limit}
            )
        return value

    return AfterValidator(check)


PropertyId = Annotated[int, Field(ge=1, description=PROPERTY_ID)]
# Upper-cased once validated, so rules, storage and reads see one spelling; the echo of the
# request item is the raw payload, untouched.
CountryCode = Annotated[
    str, Field(pattern=COUNTRY_PATTERN, description=COUNTRY_CODE), AfterValidator(str.upper)
]
# Prices are exact decimals; the contract documents them as JSON numbers.
Amount = Annotated[
    Decimal,
    BeforeValidator(exact_numeric_text),
    Field(gt=0, le=MAX_PRICE),
    # JSON numbers out, as the contract documents them; a float holds any amount up to the
    # maximum with 15 significant digits exactly, so nothing is lost on the way.
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"exclusiveMinimum": 0, "maximum": MAX_PRICE, "type": "number"}),
]


def drop_defaults(schema: dict[str, Any]) -> None:
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


def _drop_title(schema: dict[str, Any]) -> None:
    schema.pop("title", None)


class ContractModel(BaseModel):
    model_config = ConfigDict(json_schema_extra=drop_defaults)


class LocalizedDescriptionSchema(RootModel[dict[str, str]]):
    """Schema for handling localized descriptions with locale keys."""


class TextileMaterialSchema(ContractModel):
    material_id: PropertyId
    fraction: int = Field(description="Fraction of the material in the composition in percentage.")


class MaterialCompositionTextileSchema(ContractModel):
    cluster_id: PropertyId
    components: list[TextileMaterialSchema]


class NonTextileMaterialSchema(ContractModel):
    material_id: PropertyId


class MaterialCompositionNonTextileSchema(ContractModel):
    cluster_id: PropertyId
    components: list[NonTextileMaterialSchema]


class PriceSchema(ContractModel):
    country_code: CountryCode
    retail_price: Amount
    sale_price: Amount | None = None


class UpsertProductItemSchema(ContractModel):
    style_key: str = Field(max_length=120, description="Unique style key for the product.")
    sku: str = Field(min_length=3, max_length=120)
    ean: str | None = Field(
        default=None, description="EAN-13 barcode (13 digits with valid GS1 prefix and checksum)"
    )
    hs_code: Annotated[str, Field(max_length=20)] | None = None
    name: Annotated[str, Field(max_length=120)] | None = Field(
        default=None,
        description=(
            "Include only the product/design name. Don't add categories, colors, materials etc. "
            "If there is no specific design name, leave the field empty."
        ),
    )
    description: Annotated[str, Field(max_length=2500)] | None = Field(
        default=None,
        description="Use descriptions instead",
        # Marked in the schema only: pydantic's own flag would warn on every read.
        json_schema_extra={"deprecated": True},
    )
    descriptions: LocalizedDescriptionSchema | None = Field(
        default=None, json_schema_extra=_drop_title
    )
    color: PropertyId
    size: PropertyId | None
    second_size: PropertyId | None = None
    brand: PropertyId
    category: PropertyId
    quantity: Annotated[int, Field(ge=0), at_most(MAX_QUANTITY)] | None = Field(
        default=None, description="Quantity of the product variant."
    )
    weight: int = Field(ge=0, le=100_000, description="Weight of the product in grams.")
    countries: Annotated[list[CountryCode], Field(min_length=0)] | None = None
    country_of_origin: CountryCode
    attributes: list[PropertyId] = Field(
        description=(
            "Additional category-specific attribute IDs; fields already provided as top-level "
            "fields (e.g. size, brand, color) can not be repeated here."
        )
    )
    material_composition_textile: list[MaterialCompositionTextileSchema] | None = None
    material_composition_non_textile: list[MaterialCompositionNonTextileSchema] | None = None
    prices: list[PriceSchema] = Field(min_length=0)
    images: list[str] = Field(min_length=1, max_length=10)


ErrorMessage = Annotated[str, Field(description="Error message if and why the operation failed")]


class UpsertProductResultItemSchema(ContractModel):
    requestItem: UpsertProductItemSchema  # noqa: N815 - the contract's wire name
    success: bool
    errors: list[ErrorMessage]


class UpsertProductBatchResultsResponseSchema(ContractModel):
    batchRequestId: uuid.UUID = Field(description="Unique identifier (UUID)")  # noqa: N815
    status: RequestStatus = Field(description="Status of the batch processing")
    items: list[UpsertProductResultItemSchema]


# The request body of POST /api/v1/products/: one to a hundred variants.
MAX_ITEMS = 100


def _example_variant(sku: str, size: int, ean: str) -> dict[str, Any]:
    """A jacket of the demo catalogue that passes every rule, in two sizes."""
    return {
        "style_key": "AURORA",
        "sku": sku,
        "ean": ean,
        "name": "Aurora",
        "descriptions": {"en": "Quilted bomber jacket with a stand-up collar."},
        "color": 1001,
        "size": size,
        "brand": 1101,
        "category": 112,
        "quantity": 25,
        "weight": 800,
        "country_of_origin": "PT",
        "attributes": [2201],
        "material_composition_textile": [
            {"cluster_id": 1601, "components": [{"material_id": 1701, "fraction": 100}]}
        ],
        "countries": ["DE", "AT"],
        "prices": [
            {"country_code": "DE", "retail_price": 129.95},
            {"country_code": "AT", "retail_price": 134.95, "sale_price": 99.95},
        ],
        "images": ["https://img.example.com/aurora-front.jpg"],
    }


class UpsertProductsRequestSchema(BaseModel):
    # The example of the OpenAPI document (http/openapi.py); a test submits it.
    openapi_example: ClassVar[dict[str, Any]] = {
        "items": [
            _example_variant("AURORA-BLK-S", 1203, "4006381333931"),
            _example_variant("AURORA-BLK-M", 1204, "4012345000009"),
        ]
    }

    items: list[UpsertProductItemSchema] = Field(min_length=1, max_length=MAX_ITEMS)
