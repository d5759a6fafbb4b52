"""``ResultsPaging.of_query``: the one reading of a results read's paging parameters, used by
the FastAPI route and the fast path alike (their answers are compared in
tests/http/test_results_fast_path.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from sellers_center.engine.schemas import ResultsPaging


@pytest.mark.parametrize(
    ("query", "paging"),
    [
        ("batch_request_id=x", None),
        ("batch_request_id=x&extra=kept", None),
        ("only=failed", ResultsPaging(only="failed")),
        ("page=2", ResultsPaging(page=2)),
        ("per_page=3&page=2&extra=kept", ResultsPaging(page=2, per_page=3)),
        ("page=1&page=4", ResultsPaging(page=4)),  # a repeated one: the last, as FastAPI reads it
    ],
)
def test_the_paging_a_query_asks_for(query: str, paging: ResultsPaging | None) -> None:
    assert ResultsPaging.of_query(QueryParams(query)) == paging


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("per_page=101", "per_page"), ("only=succeeded", "only")],
)
def test_a_parameter_out_of_its_range_is_refused(query: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ResultsPaging.of_query(QueryParams(query))

    assert [error["loc"] for error in refused.value.errors()] == [(field,)]
