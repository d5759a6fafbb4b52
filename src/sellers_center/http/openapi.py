"""The OpenAPI document: FastAPI's, plus what the contract adds.

Batch endpoints read their bodies themselves (after auth), so FastAPI does not see their request
models; they are declared here and their schemas merged into ``components``. The contract also
puts ``APIKeyAuth`` security at the top level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "APIKeyAuth"


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The ``requestBody`` of an operation whose JSON body is ``model``."""
    schema = {"$ref": REF_TEMPLATE.format(model=model.__name__)}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def install_openapi(app: FastAPI, body_models: Iterable[type[BaseModel]]) -> None:
    models = list(body_models)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            separate_input_output_schemas=False,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        if models:
            _, definitions = models_json_schema(
                [(model, "validation") for model in models], ref_template=REF_TEMPLATE
            )
            for name, schema in definitions.get("$defs", {}).items():
                schemas.setdefault(name, schema)
        if SECURITY_SCHEME in components.get("securitySchemes", {}):
            document["security"] = [{SECURITY_SCHEME: []}]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
