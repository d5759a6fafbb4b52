"""Model bases and the field types the models share."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, ValidationInfo, model_validator

# Validation context flag: items a caller passes as plain mappings are checked for unknown keys,
# which the server would ignore silently (a misspelt optional field would just vanish).
REJECT_UNKNOWN_FIELDS = "reject_unknown_fields"

# Exact decimals in Python; JSON numbers on the wire, as the API documents them. A float holds
# any amount of up to 15 significant digits exactly (the API's prices are at most 1,000,000
# with a few decimals), so nothing is lost on the way.
Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ApiModel(BaseModel):
    """Base of every model: fields by their Python names or by their wire names; fields the
    SDK does not know are ignored, so a newer server does not break an older SDK."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="ignore")


class RequestModel(ApiModel):
    """Base of the models a caller sends."""

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_fields(cls, data: Any, info: ValidationInfo) -> Any:
        context = info.context
        is_checked = isinstance(context, Mapping) and context.get(REJECT_UNKNOWN_FIELDS)
        if not (is_checked and isinstance(data, Mapping)):
            return data
        known = set(cls.model_fields)
        known.update(f.alias for f in cls.model_fields.values() if f.alias is not None)
        unknown = sorted(str(name) for name in data if name not in known)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}")
        return data

    def to_wire(self) -> dict[str, Any]:
        """The JSON object sent for this model: wire names, fields the caller never set left
        out (an explicit None is sent as null)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
