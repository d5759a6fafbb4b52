"""The ``pagination`` block of every list response."""

from __future__ import annotations

from sellers_center_client._base import ApiModel

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100  # the API refuses more with 422


class Pagination(ApiModel):
    """Where a page sits in the whole listing; ``next``/``prev`` are relative URLs or None."""

    page: int
    per_page: int
    pages: int
    total: int
    next: str | None
    prev: str | None

    @property
    def next_page(self) -> int | None:
        """The number of the following page, or None on the last one."""
        return self.page + 1 if self.page < self.pages else None
