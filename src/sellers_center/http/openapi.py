"""The OpenAPI document: FastAPI's, plus what the contract adds and what the service does.

Batch endpoints read their bodies themselves (received before the key is checked, validated after
it), so FastAPI does not see their request models; they are declared here (with an example the
service accepts) and their schemas merged into ``components``. The contract puts ``APIKeyAuth``
security at the top level, so operations without a key say ``security: []``. Every operation with a
key may answer 401, 429 and 503, every one with parameters or a body 422 with the service's own
error body (FastAPI declares one without ``message``); ``complete_responses`` adds them in one
place, so no route can forget one.

An operation whose ``openapi_extra`` holds ``PATH_PARAMETERS`` has those parameters moved to its
path item, where they apply to every operation of the path while the operation itself stays as
it is (the results endpoints' paging, beside the contract's own parameters).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sellers_center.http.schemas import BadRequestSchema, ValidationErrorSchema

REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "APIKeyAuth"
# Key of an operation's ``openapi_extra`` whose parameters belong to its path item instead.
PATH_PARAMETERS = "x-path-parameters"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


# FastAPI's own 422 schemas, replaced by the service's (ValidationErrorSchema).
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
MESSAGE_SCHEMA = BadRequestSchema.__name__
VALIDATION_SCHEMA = ValidationErrorSchema.__name__
# What any call with a key may get besides its own answers: the key refused, the rate limit,
# and the database (which checks the key) down or restarting.
AUTHENTICATED_RESPONSES = {
    "401": "Unauthorized",
    "429": "Too many requests",
    "503": "The database is unavailable; retry after Retry-After seconds",
}


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The ``requestBody`` of an operation whose JSON body is ``model``, with the model's
    ``openapi_example`` when it has one."""
    content: dict[str, Any] = {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}
    example = getattr(model, "openapi_example", None)
    if example is not None:
        content["example"] = example
    return {"required": True, "content": {"application/json": content}}


def _content(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(schema_name)}}


def _ref(schema_name: str) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=schema_name)}


def complete_responses(document: dict[str, Any]) -> None:
    """Security and the error answers of every operation, as the service gives them."""
    for path_item in document.get("paths", {}).values():
        operations = [item for method, item in path_item.items() if method in HTTP_METHODS]
        for operation in operations:
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                for status, description in AUTHENTICATED_RESPONSES.items():
                    responses.setdefault(
                        status, {"description": description, "content": _content(MESSAGE_SCHEMA)}
                    )
            else:
                operation["security"] = []
            if operation.get("parameters") or "requestBody" in operation:
                responses["422"] = _validation_response(responses.get("422"))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    for model in (BadRequestSchema, ValidationErrorSchema):
        schemas.setdefault(model.__name__, model.model_json_schema(ref_template=REF_TEMPLATE))


def _validation_response(declared: dict[str, Any] | None) -> dict[str, Any]:
    """A 422 for a request that breaks the schema, and beside it the route's own 422 when it
    declares one (a refusal of valid input, ``{message}`` alone)."""
    own = (declared or {}).get("content", {}).get("application/json", {}).get("schema")
    if own is None or own in [
        _ref(name) for name in (*FASTAPI_VALIDATION_SCHEMAS, VALIDATION_SCHEMA)
    ]:
        return {"description": "Validation Error", "content": _content(VALIDATION_SCHEMA)}
    assert declared is not None
    return {
        "description": f"Validation Error, or: {declared['description']}",
        "content": {"application/json": {"schema": {"anyOf": [_ref(VALIDATION_SCHEMA), own]}}},
    }


def lift_path_parameters(document: dict[str, Any]) -> None:
    """Move each operation's ``PATH_PARAMETERS`` to its path item's ``parameters``."""
    for path_item in document.get("paths", {}).values():
        for method in HTTP_METHODS & path_item.keys():
            parameters = path_item[method].pop(PATH_PARAMETERS, [])
            shared = path_item.setdefault("parameters", []) if parameters else []
            shared.extend(p for p in parameters if p not in shared)


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
        complete_responses(document)
        lift_path_parameters(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
