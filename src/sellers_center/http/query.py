"""Query parameters shared by the list endpoints, and their pagination links
(docs/api.md#lists-and-pagination)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from sellers_center.pagination import MAX_PAGE, MAX_PER_PAGE, PaginationSchema, paginate


def _page_in_range(page: int) -> int:
    if page > MAX_PAGE:
        raise PydanticCustomError(
            "less_than_equal",
            "Input should be less than or equal to {le}: no page starts beyond the largest "
            "64-bit offset at {per_page} items per page",
            {"le": MAX_PAGE, "per_page": MAX_PER_PAGE},
        )
    return page


Page = Annotated[
    int,
    Query(
        ge=1,
        description=f"Page number, from 1 to {MAX_PAGE}.",
        # The bound is checked by _page_in_range, whose message says why it is there.
        json_schema_extra={"maximum": MAX_PAGE},
    ),
    AfterValidator(_page_in_range),
]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")]


def page_links(request: Request, *, page: int, per_page: int, total: int) -> PaginationSchema:
    """The pagination block; ``next``/``prev`` keep the request's other parameters."""
    query = dict(request.query_params)
    return paginate(request.url.path, query, page=page, per_page=per_page, total=total)
