"""Every path answers with and without its trailing slash, directly (docs/api.md#transport-rules).

Some HTTP clients turn a redirected POST into a GET, so the alias is a second route, not a
redirect. The alias is left out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """An operation's id is its endpoint's name (``list_products``), not FastAPI's default of
    name, path and method run together; routes with ids of their own (the contract's) keep
    them."""
    return route.name


class SlashAgnosticRouter(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("generate_unique_id_function", operation_id)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        alias = path.removesuffix("/") if path.endswith("/") else f"{path}/"
        if alias:
            hidden = {**kwargs, "include_in_schema": False}
            hidden.pop("operation_id", None)
            super().add_api_route(alias, endpoint, **hidden)
