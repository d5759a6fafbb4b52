"""Query parameters shared by the list endpoints, and their pagination links (SPEC §3, §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from sellers_center.pagination import MAX_PER_PAGE, PaginationSchema, paginate

Page = Annotated[int, Query(ge=1, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")]


def page_links(request: Request, *, page: int, per_page: int, total: int) -> PaginationSchema:
    """The pagination block; ``next``/``prev`` keep the request's other parameters."""
    query = dict(request.query_params)
    return paginate(request.url.path, query, page=page, per_page=per_page, total=total)
