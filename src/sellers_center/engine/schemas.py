"""API shapes the engine owns: the answer to a submission, the paging of results, and a seller's
list of batches."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from sellers_center.engine import idempotency
from sellers_center.engine.service import ResultSelection
from sellers_center.engine.status import RequestStatus
from sellers_center.pagination import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, offset


class BatchRequestAcceptedSchema(BaseModel):
    batchRequestId: uuid.UUID = Field(  # noqa: N815 - the wire name of the live service
        description="Id of the stored batch; poll the matching results endpoint with it."
    )


class BatchSummarySchema(BaseModel):
    """One of the seller's batches, without its items."""

    batchRequestId: uuid.UUID  # noqa: N815 - the name the submit answer gives it
    kind: str = Field(description="The batch kind: its results are at /api/v1/results/<kind>.")
    status: RequestStatus
    created_at: datetime = Field(description="When the batch was accepted (UTC).")
    started_at: datetime | None = Field(
        description="When a worker last took the batch up; null before the first time."
    )
    finished_at: datetime | None = Field(description="When it became final; null before.")
    attempts: int = Field(description="How many times a worker took it up.")
    item_count: int = Field(description="Items submitted.")
    succeeded: int | None = Field(
        description="Items applied; null until the batch is final (it is applied at once)."
    )
    failed: int | None = Field(
        description="Items not applied, each with its errors in the results; null until final."
    )


class CursorPaginationSchema(BaseModel):
    """Where a cursor-paged listing goes on."""

    per_page: int
    next: str | None = Field(description="Relative URL of the next page, or null on the last.")
    next_cursor: str | None = Field(
        description="The ``cursor`` of the next page (opaque), or null on the last."
    )


class BatchesPageSchema(BaseModel):
    items: list[BatchSummarySchema]
    pagination: CursorPaginationSchema


class ResultsPaging(BaseModel):
    """The optional query parameters of a results endpoint (docs/api.md#results). The router
    reads them by hand instead of declaring them, so that the operation's own parameters stay
    the contract's; the OpenAPI document gives them at the path level."""

    only: Literal["failed"] | None = None
    page: int | None = Field(default=None, ge=1, le=MAX_PAGE)
    per_page: int | None = Field(default=None, ge=1, le=MAX_PER_PAGE)

    @classmethod
    def of_query(cls, query: Mapping[str, str]) -> ResultsPaging | None:
        """The paging a results read's query asks for; None without any of its parameters (the
        answer is then the stored results as they are, byte for byte). Raises pydantic's
        ``ValidationError`` for a parameter out of its range. The FastAPI route and the fast
        path (``http/fastpath.py``) both read it here."""
        given = {name: query[name] for name in cls.model_fields if name in query}
        return cls.model_validate(given) if given else None

    @property
    def is_paged(self) -> bool:
        return self.page is not None or self.per_page is not None

    @property
    def size(self) -> int:
        return self.per_page or DEFAULT_PER_PAGE

    def selection(self) -> ResultSelection:
        only_failed = self.only == "failed"
        if not self.is_paged:
            return ResultSelection(only_failed=only_failed)
        return ResultSelection(only_failed, offset(self.page or 1, self.size), self.size)


# OpenAPI descriptions of the parameters the submit and results handlers read by hand.

IDEMPOTENCY_KEY_PARAMETER = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "1 to 255 printable ASCII characters (a UUID, say), bare or as a quoted string. The "
        "same key with the same body answers with the same batchRequestId for "
        "IDEMPOTENCY_KEY_HOURS (24 by default), final or not; with another body or on another "
        "endpoint it is a 422 and nothing is stored. Keys are per seller."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


RESULTS_PAGING_PARAMETERS = [
    {
        "name": "only",
        "in": "query",
        "required": False,
        "description": "`failed`: only the items that were not applied.",
        "schema": {"type": "string", "enum": ["failed"]},
    },
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": (
            "Page number (from 1). With `page` or `per_page`, `items` holds that page of the "
            "(matching) items and the answer adds `pagination` ({page, per_page, pages, total, "
            "next, prev}, as in the other listings); without any of `only`, `page` and "
            "`per_page` the answer is the whole batch, as the contract gives it."
        ),
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": f"Items per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    },
]
