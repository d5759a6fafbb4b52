"""``create_app``: wires routers, error rendering, limits and, for tests, an in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Hashable

from fastapi import FastAPI

from sellers_center import __version__
from sellers_center.catalog.router import router as catalog_router
from sellers_center.engine.router import kinds_router
from sellers_center.engine.wakeup import SOCKET_VARIABLE as WAKEUP_SOCKET_VARIABLE
from sellers_center.engine.wakeup import DatagramAnnouncer, Wakeup
from sellers_center.http.body_limit import BodyLimitMiddleware
from sellers_center.http.dependencies import rate_limit_buckets
from sellers_center.http.docs import install_docs
from sellers_center.http.encoding import RequestEncodingMiddleware
from sellers_center.http.errors import install_error_handlers
from sellers_center.http.fastpath import ResultsRoute, install_results_route
from sellers_center.http.openapi import install_openapi
from sellers_center.http.ratelimit import RateLimitHeadersMiddleware
from sellers_center.http.responses import JSONResponse
from sellers_center.http.router import router as health_router
from sellers_center.http.telemetry import TelemetryMiddleware
from sellers_center.http.transport import BodyTimeoutMiddleware
from sellers_center.lifecycle.router import router as lifecycle_router
from sellers_center.orders.router import router as orders_router
from sellers_center.orders.router import sandbox_router
from sellers_center.products.router import router as products_router
from sellers_center.runtime import Runtime, end_with_parent, tune_garbage_collector
from sellers_center.settings import Settings
from sellers_center.telemetry.logs import configure_logging
from sellers_center.webhooks.router import router as webhooks_router

TITLE = "Sellers Center API"
API_VERSION = "1.0.0"


def create_app(runtime: Runtime, *, run_worker: bool = False) -> FastAPI:
    """The ASGI application; with ``run_worker`` it also processes batches in-process."""
    app = _build(runtime, run_worker=run_worker)
    bind_runtime(app, runtime)
    return app


def app_key(runtime: Runtime) -> Hashable:
    """What ``create_app`` builds an app from, besides the runtime it binds (and ``run_worker``,
    the caller's own): an app built for one runtime serves another with the same key once
    ``bind_runtime`` gives it that one.

    The routes use a kind's name, schemas, endpoints and body parser, never its rules (the
    worker applies those with its own runtime's kinds); the middleware use the body limits;
    the sandbox decides a router. Building an app costs about 0.14 s (FastAPI prepares each
    route's dependencies per app), which tests that serve a database each avoid this way."""
    settings = runtime.settings
    kinds = tuple(
        (
            kind.name,
            kind.request_model,
            kind.results_model,
            kind.exact_numbers,
            kind.submit,
            kind.results,
        )
        for kind in runtime.kinds
    )
    return (kinds, settings.sandbox, settings.max_body_bytes, settings.request_body_timeout_seconds)


def bind_runtime(app: FastAPI, runtime: Runtime) -> None:
    """Serve ``app`` (built for a runtime with the same ``app_key``) with ``runtime``: its
    handlers, the results route and the lifespan read it from here on every use."""
    runtime.settings.check_rate_limit_buckets(app.state.rate_limit_buckets)
    app.state.runtime = runtime
    for route in app.router.routes:
        if isinstance(route, ResultsRoute):
            route.runtime = runtime


def _build(runtime: Runtime, *, run_worker: bool) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: Runtime = app.state.runtime
        worker = None
        task = None
        tune_garbage_collector()
        if run_worker:
            worker = runtime.worker()
            task = asyncio.create_task(worker.run(), name="embedded-worker")
        try:
            yield
        finally:
            if worker is not None and task is not None:
                worker.stop()
                await task
            await runtime.rate_limiter.aclose()
            await runtime.database.dispose()

    app = FastAPI(
        title=TITLE,
        version=API_VERSION,
        description=f"Seller-facing catalogue API (server {__version__}).",
        lifespan=lifespan,
        # Served by http/docs.py from installed assets: FastAPI's pages need a CDN.
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        strict_content_type=False,
        default_response_class=JSONResponse,
        separate_input_output_schemas=False,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    install_docs(app)
    app.include_router(catalog_router)
    app.include_router(products_router)
    app.include_router(lifecycle_router)
    app.include_router(orders_router)
    app.include_router(webhooks_router)
    if runtime.settings.sandbox:  # absent otherwise: 404, and not in the OpenAPI document
        app.include_router(sandbox_router)
    app.include_router(kinds_router(runtime.kinds))
    install_results_route(app, runtime, runtime.kinds)
    install_openapi(app, [kind.request_model for kind in runtime.kinds])
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestEncodingMiddleware)
    app.add_middleware(
        BodyTimeoutMiddleware, timeout_seconds=runtime.settings.request_body_timeout_seconds
    )
    app.add_middleware(TelemetryMiddleware)
    app.state.rate_limit_buckets = rate_limit_buckets(app)
    return app


def app_from_environment() -> FastAPI:
    """The application of one ``serve`` process, configured from the environment (the factory
    uvicorn imports in each process of ``serve --workers N``). Its submits wake ``serve``'s
    worker process through the socket ``serve`` names in ``_SELLERS_CENTER_WORKER_SOCKET`` (on
    SQLite)."""
    end_with_parent()
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    socket_path = os.environ.get(WAKEUP_SOCKET_VARIABLE)
    wakeup = Wakeup(DatagramAnnouncer(socket_path)) if socket_path else None
    runtime = Runtime.from_settings(settings, wakeup=wakeup)
    return create_app(runtime, run_worker=settings.embedded_worker)
