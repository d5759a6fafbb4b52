"""Request dependencies: the process runtime, the request's session and the authenticated,
rate-limited seller.

A handler takes ``ReadSession`` or ``WriteSession``. Their transaction ends when the handler
returns, before the response is sent (``scope="function"``): a commit that fails is the
request's answer (503), never a 200 for something not stored. Authentication looks the key up in
the session the request already has open when the handler declares its session before the
seller (a read handler then uses one session), and in a short read of its own otherwise, which
ends before the call is counted: it composes with either session in either order. Submissions
take no session: they authenticate first and write only the batch (``engine/router.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.accounts.service import AuthenticationError, Principal
from sellers_center.http.errors import ApiError
from sellers_center.http.ratelimit import count_call
from sellers_center.runtime import Runtime

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", scheme_name="APIKeyAuth", auto_error=False)
BUCKET_ATTRIBUTE = "rate_limit_bucket"


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RuntimeDependency = Annotated[Runtime, Depends(runtime_of)]


async def session_for_reading(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).unit.read() as session:
        yield session


async def session_for_writing(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).unit.write() as session:
        yield session


ReadSession = Annotated[AsyncSession, Depends(session_for_reading, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(session_for_writing, scope="function")]


def authenticated(bucket: str, default_limit: int) -> Any:
    """A dependency giving the calling seller, after counting the call against ``bucket``."""

    async def principal(
        request: Request,
        runtime: RuntimeDependency,
        key: Annotated[str | None, Depends(API_KEY_HEADER)],
    ) -> Principal:
        try:
            async with runtime.unit.read() as session:
                found = await accounts.authenticate(session, key, runtime.clock.now())
        except AuthenticationError as error:
            raise ApiError(401, error.message) from None
        state = request.scope.setdefault("state", {})  # read back by RateLimitHeadersMiddleware
        await count_call(runtime.rate_limiter, state, bucket, default_limit, found.key_id)
        return found

    principal.__dict__[BUCKET_ATTRIBUTE] = bucket  # found again by ``rate_limit_buckets``
    dependency: Callable[..., Awaitable[Principal]] = principal
    return Depends(dependency)


def rate_limit_buckets(app: FastAPI) -> set[str]:
    """The buckets the app's endpoints count calls against (the names RATE_LIMITS may use)."""
    buckets = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            bucket = getattr(dependant.call, BUCKET_ATTRIBUTE, None)
            if bucket is not None:
                buckets.add(bucket)
            pending.extend(dependant.dependencies)
    return buckets
