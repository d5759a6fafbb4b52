"""What the results fast path remembers of the queries it parses: it parses before any key is
checked, so only a bounded amount of what a caller sends may stay in memory (the route's
answers themselves are compared with the FastAPI route's in test_results_fast_path.py)."""

from __future__ import annotations

import uuid

from starlette.routing import Match
from starlette.types import Scope

from sellers_center.app import create_app
from sellers_center.http.fastpath import (
    PARSED_QUERIES,
    PARSED_QUERY_BYTES,
    SCOPE_KEY,
    ResultsRoute,
)
from sellers_center.runtime import Runtime

RESULTS = "/api/v1/results/echo"


def results_route(runtime: Runtime) -> ResultsRoute:
    routes = [r for r in create_app(runtime).router.routes if isinstance(r, ResultsRoute)]
    assert len(routes) == 1
    return routes[0]


def read_scope(query: str) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": RESULTS,
        "query_string": query.encode(),
        "headers": [],
    }


def padded(query: str, size: int) -> str:
    """``query`` with an extra parameter making it ``size`` bytes long."""
    filler = "&pad="
    return query + filler + "x" * (size - len(query) - len(filler))


async def test_refused_queries_are_never_remembered(runtime: Runtime) -> None:
    route = results_route(runtime)
    refused = [f"batch_request_id=not-a-uuid-{number}" for number in range(PARSED_QUERIES + 10)] + [
        f"batch_request_id={uuid.uuid4()}&page=0",
        "",
        "per_page=101",
    ]

    matches = [route.matches(read_scope(query))[0] for query in refused]

    assert set(matches) == {Match.NONE}
    assert route.remembered_queries == 0


async def test_queries_longer_than_the_bound_are_answered_but_not_remembered(
    runtime: Runtime,
) -> None:
    route = results_route(runtime)
    batch_id = uuid.uuid4()
    at_bound = padded(f"batch_request_id={batch_id}", PARSED_QUERY_BYTES)
    long_queries = [
        padded(f"batch_request_id={uuid.uuid4()}", PARSED_QUERY_BYTES + 1 + size)
        for size in range(0, 64 * 1024, 1024)
    ]

    long_matches = [route.matches(read_scope(query)) for query in long_queries]
    assert [match for match, _ in long_matches] == [Match.FULL] * len(long_queries)
    assert route.remembered_queries == 0

    first = route.matches(read_scope(at_bound))[1][SCOPE_KEY]
    again = route.matches(read_scope(at_bound))[1][SCOPE_KEY]
    assert len(at_bound) == PARSED_QUERY_BYTES
    assert (first.batch_id, again is first) == (batch_id, True)
    assert route.remembered_queries == 1


async def test_at_most_the_bound_of_distinct_queries_is_remembered(runtime: Runtime) -> None:
    route = results_route(runtime)

    for _ in range(PARSED_QUERIES + 1):
        match, _ = route.matches(read_scope(f"batch_request_id={uuid.uuid4()}"))
        assert match is Match.FULL
        assert route.remembered_queries <= PARSED_QUERIES

    assert route.remembered_queries == 1  # all forgotten when the next did not fit
