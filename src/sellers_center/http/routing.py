"""Every path answers with and without its trailing slash, directly (SPEC §1).

Some HTTP clients turn a redirected POST into a GET, so the alias is a second route, not a
redirect. The alias is left out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class SlashAgnosticRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        alias = path.removesuffix("/") if path.endswith("/") else f"{path}/"
        if alias:
            hidden = {**kwargs, "include_in_schema": False}
            hidden.pop("operation_id", None)
            super().add_api_route(alias, endpoint, **hidden)
