"""Page arithmetic and the ``pagination`` object of list responses
(docs/api.md#lists-and-pagination)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import urlencode

from pydantic import BaseModel, Field

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Both databases take OFFSET as a signed 64-bit integer; the last page whose offset fits it
# whatever ``per_page`` (at most MAX_PER_PAGE) is asked.
MAX_OFFSET = 2**63 - 1
MAX_PAGE = MAX_OFFSET // MAX_PER_PAGE + 1


class PaginationSchema(BaseModel):
    page: int
    per_page: int
    pages: int
    total: int
    next: str | None = Field(description="Relative URL of the next page, or null.")
    prev: str | None = Field(description="Relative URL of the previous page, or null.")


def offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


def paginate(
    path: str, query: Mapping[str, str], *, page: int, per_page: int, total: int
) -> PaginationSchema:
    """The pagination block; ``next``/``prev`` keep every other query parameter as sent."""
    pages = math.ceil(total / per_page)

    def link(target: int) -> str:
        return f"{path}?{urlencode({**query, 'page': target, 'per_page': per_page})}"

    return PaginationSchema(
        page=page,
        per_page=per_page,
        pages=pages,
        total=total,
        next=link(page + 1) if page < pages else None,
        prev=link(min(page - 1, max(pages, 1))) if page > 1 else None,
    )
