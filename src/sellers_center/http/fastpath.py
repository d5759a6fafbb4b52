"""``GET /api/v1/results/<kind>`` without FastAPI's routing and dependency resolution.

Integrations poll their results, so this read is the busiest endpoint; through a general
FastAPI route it cost 3.3 ms of server CPU per read, most of it two database round trips
(the key, then the results) through SQLAlchemy and aiosqlite (bench/reads.py). The route below
is the first the application tries. It answers exactly as the FastAPI route does (the same
authentication, rate limit and headers, errors, paging; tests/http/test_results_fast_path.py
compares them), but it:

- leaves to the FastAPI route every request whose query it would refuse (no or several
  ``batch_request_id``, a malformed id or paging parameter): those are decided before the key
  is counted, so the FastAPI route answers them exactly as it always did;
- takes the caller from keys this process verified in the last ``KEY_CACHE_SECONDS`` (5 s, a
  constant of ``accounts.keycache``, not a setting) and final results from
  ``engine.result_cache``, so that a repeated read of a final batch opens no database session
  at all; an unpaged one sends the whole answer the cache keeps, without joining its bytes again
  (a 100-item products answer is 165 KB).

The middleware (request id, access log and metrics, encoding and size checks, the rate-limit
headers) and the error handlers are the application's own: the route sits inside them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from sellers_center.accounts import service as accounts
from sellers_center.accounts.keycache import KeyCache
from sellers_center.accounts.service import AuthenticationError, Principal
from sellers_center.clock import Clock
from sellers_center.db import UnitOfWork
from sellers_center.engine import service
from sellers_center.engine.kind import KindRegistry
from sellers_center.engine.result_cache import ResultCache
from sellers_center.engine.schemas import ResultsPaging
from sellers_center.engine.service import BatchResultView, ResultSelection
from sellers_center.http.errors import ApiError
from sellers_center.http.ratelimit import count_call
from sellers_center.http.responses import JSON_CONTENT_TYPE
from sellers_center.pagination import paginate
from sellers_center.ratelimit import RateLimiter

API_KEY_HEADER = b"x-api-key"
# Where ``matches`` leaves the parsed request for ``handle``.
SCOPE_KEY = "sellers_center.results_read"
BATCH_ID = TypeAdapter(uuid.UUID)
JSON_TYPE = JSON_CONTENT_TYPE.encode()
# Distinct results URLs whose parse is remembered; all are forgotten when there are more. Only
# queries the route answers, of at most PARSED_QUERY_BYTES, are remembered: the cache is filled
# before any key is checked, so what anyone may send must not decide its size. A polling
# client's query is about 90 bytes; full of 512-byte queries the cache holds 7.8 MB (measured
# with tracemalloc), where unbounded ones and refusals took 131 MB.
PARSED_QUERIES = 4096
PARSED_QUERY_BYTES = 512


class ResultsRuntime(Protocol):
    """What the route uses of the process's runtime (read on every request: tests swap the
    clock)."""

    clock: Clock
    unit: UnitOfWork
    rate_limiter: RateLimiter
    key_cache: KeyCache
    result_cache: ResultCache


@dataclass(frozen=True, slots=True)
class ResultsEndpoint:
    kind: str
    bucket: str
    default_limit: int
    route: BaseRoute
    """The FastAPI route this one stands in for: metrics and logs are labelled with it."""


@dataclass(frozen=True, slots=True)
class ResultsRead:
    """A results read whose query is valid: what ``handle`` needs of it."""

    endpoint: ResultsEndpoint
    batch_id: uuid.UUID
    query: QueryParams
    paging: ResultsPaging | None
    selection: ResultSelection | None
    """``paging.selection()``, made once with the parse."""


class ResultsRoute(BaseRoute):
    def __init__(self, runtime: ResultsRuntime, endpoints: dict[str, ResultsEndpoint]) -> None:
        self.runtime = runtime
        self.endpoints = endpoints
        self._parsed: dict[tuple[str, bytes], ResultsRead] = {}

    @property
    def remembered_queries(self) -> int:
        return len(self._parsed)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
            return Match.NONE, {}
        endpoint = self.endpoints.get(scope["path"])
        if endpoint is None:
            return Match.NONE, {}
        read = self._read_of(endpoint, scope["path"], scope["query_string"])
        if read is None:
            return Match.NONE, {}  # the FastAPI route answers it: a 400 or 422 after the key
        return Match.FULL, {"route": endpoint.route, SCOPE_KEY: read}

    def _read_of(self, endpoint: ResultsEndpoint, path: str, query: bytes) -> ResultsRead | None:
        """The query parsed, remembered: a client polls a batch with the same URL, and parsing
        it was a fifth of the route's time (profiled)."""
        key = (path, query)
        try:
            return self._parsed[key]
        except KeyError:
            pass
        read = _valid_read(endpoint, query)
        if read is None or len(query) > PARSED_QUERY_BYTES:
            return read
        if len(self._parsed) >= PARSED_QUERIES:
            self._parsed.clear()
        self._parsed[key] = read
        return read

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        read: ResultsRead = scope[SCOPE_KEY]
        body = await self._answer(scope, read)
        # What ``raw_json(body)`` sends, headers in its order, without building a Response.
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", JSON_TYPE)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, read: ResultsRead) -> bytes:
        """Authenticate, count the call, read: the FastAPI route's order, the database only
        for what the caches do not hold."""
        runtime = self.runtime
        now = runtime.clock.now()
        key = _api_key(scope["headers"])
        try:
            principal = accounts.cached_principal(runtime.key_cache, key, now)
        except AuthenticationError as error:
            raise ApiError(401, error.message) from None
        if principal is not None:
            await self._count(scope, read.endpoint, principal)
            cached = self._cached(scope, read, principal.seller_id, now)
            if cached is not None:
                return cached
        async with runtime.unit.read() as session:
            if principal is None:
                try:
                    principal = await accounts.authenticate(session, key, now, runtime.key_cache)
                except AuthenticationError as error:
                    raise ApiError(401, error.message) from None
                await self._count(scope, read.endpoint, principal)
                # Every connection's key runs out of the key cache at once; the results need
                # not be read again with it.
                cached = self._cached(scope, read, principal.seller_id, now)
                if cached is not None:
                    return cached
            view = await service.read_result(
                session,
                kind=read.endpoint.kind,
                seller_id=principal.seller_id,
                batch_id=read.batch_id,
                selection=read.selection,
                cache=runtime.result_cache,
            )
        return _body(scope, read, view)

    def _cached(
        self, scope: Scope, read: ResultsRead, seller_id: int, now: datetime
    ) -> bytes | None:
        """The answer from the result cache; None when the database must be read. An unpaged
        read sends the bytes the cache keeps as they are."""
        cache = self.runtime.result_cache
        kind = read.endpoint.kind
        if read.selection is None:
            return service.cached_answer(
                cache, kind=kind, seller_id=seller_id, batch_id=read.batch_id, now=now
            )
        view = service.cached_result(
            cache,
            kind=kind,
            seller_id=seller_id,
            batch_id=read.batch_id,
            now=now,
            selection=read.selection,
        )
        return None if view is None else _body(scope, read, view)

    async def _count(self, scope: Scope, endpoint: ResultsEndpoint, principal: Principal) -> None:
        state = scope.setdefault("state", {})
        limiter = self.runtime.rate_limiter
        await count_call(limiter, state, endpoint.bucket, endpoint.default_limit, principal.key_id)


def _body(scope: Scope, read: ResultsRead, view: BatchResultView) -> bytes:
    """The answer's bytes, as the FastAPI route makes them."""
    if read.paging is None or not read.paging.is_paged:
        return view.to_json()
    pagination = paginate(
        scope["path"],
        dict(read.query),
        page=read.paging.page or 1,
        per_page=read.paging.size,
        total=view.total or 0,
    )
    return view.to_json(pagination.model_dump_json().encode())


def _api_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The first ``X-API-Key`` header, as FastAPI's ``APIKeyHeader`` reads it."""
    for name, value in headers:
        if name == API_KEY_HEADER:
            return value.decode("latin-1") or None
    return None


def _valid_read(endpoint: ResultsEndpoint, query_string: bytes) -> ResultsRead | None:
    """The read the query asks for, or None when the FastAPI route must refuse it."""
    query = QueryParams(query_string)
    given = query.getlist("batch_request_id")
    if len(given) != 1:
        return None
    try:
        batch_id = BATCH_ID.validate_python(given[0])
    except ValidationError:
        return None
    try:
        paging = ResultsPaging.of_query(query)
    except ValidationError:
        return None
    selection = None if paging is None else paging.selection()
    return ResultsRead(endpoint, batch_id, query, paging, selection)


def install_results_route(app: FastAPI, runtime: ResultsRuntime, kinds: KindRegistry) -> None:
    """Put the results route before every other route of ``app`` (after its FastAPI routes
    exist: each endpoint is labelled with its FastAPI route)."""
    routes = {
        route.path: route
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute) and "GET" in (route.methods or ())
    }
    endpoints = {}
    for kind in kinds:
        path = kind.results.path
        endpoint = ResultsEndpoint(
            kind.name, kind.results_bucket, kind.results.rate_limit, routes[path]
        )
        endpoints[path] = endpoints[f"{path}/"] = endpoint
    app.router.routes.insert(0, ResultsRoute(runtime, endpoints))
