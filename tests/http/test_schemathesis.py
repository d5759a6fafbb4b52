"""The OpenAPI document against the service, by schemathesis: every operation, with a valid key
of a seller of a database holding the demo catalogue, answers no 5xx and nothing the document
does not describe (status code, content type, body, headers).

Bounded and repeatable: a fixed number of derandomised examples per operation and mode, no
deadline, no shrinking (a failure is reported as found, with the request to replay it). The
operations are explored in SHARDS tests, so that pytest's workers share them (all of them in
one test took about 50 s).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode, checks
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import APIOperation

from sellers_center.app import create_app
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.support import SellerKey

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Examples per operation and generation mode: about 1,100 requests in all.
MAX_EXAMPLES = 15
OPERATIONS = 38
SHARDS = 4

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def served(app: ASGIApp, on_shutdown: Callable[[], Awaitable[None]]) -> ASGIApp:
    """``app`` without its own lifespan (it tunes the garbage collector of the whole test
    process); the runtime it serves is closed when schemathesis ends the lifespan, on the event
    loop that used it."""

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await on_shutdown()
        await send({"type": "lifespan.shutdown.complete"})

    return application


def without_catch_all(document: dict[str, Any]) -> None:
    """Drop the ``default`` responses (the contract's way to name the rate-limit headers of every
    answer): a ``default`` makes any status code conform, and the point is that each one the
    service gives is documented. The app serves the document it built, so this edits it."""
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method != "parameters":  # the path's own, shared by its operations
                operation["responses"].pop("default", None)


def explore(
    operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, headers: dict[str, str]
) -> str | None:
    """The first failure schemathesis finds on ``operation``, or None."""

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:  # negative mode, nothing to break (no parameters)
        return None
    # A finding is an exception; checks report theirs as a (base) exception group.
    except (Exception, BaseExceptionGroup) as failure:
        return f"{operation.label} ({mode.value}): {failure}"
    return None


@pytest.mark.long
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_its_document_says(
    settings: Settings, seller: SellerKey, shard: int
) -> None:
    # Limits off: a 429 is documented, but it would stop the exploration of an operation.
    runtime = Runtime.from_settings(settings.model_copy(update={"rate_limits_enabled": False}))
    service = create_app(runtime)  # its own: the document it serves is edited below
    without_catch_all(service.openapi())
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", served(service, runtime.database.dispose)
    )
    try:
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        findings = [
            explore(operation, mode, seller.headers)
            for operation in operations[shard::SHARDS]
            for mode in GenerationMode
        ]
    finally:
        shutdown_lifespans()

    assert len(operations) == OPERATIONS
    failures = [finding for finding in findings if finding is not None]
    assert failures == [], "\n\n".join(failures)
