"""The commands that run the service: ``serve``, ``worker`` and ``migrate``, the only three
that migrate the database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import fail, load_settings, nothing, run, run_in_runtime, say

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.runtime import Runtime
    from sellers_center.settings import Settings

app = typer.Typer()

DEMO_SELLER = "demo"
# On SIGTERM, requests in flight get this long before connections are closed.
REQUEST_GRACE_SECONDS = 10


async def _prepare(session: AsyncSession, runtime: Runtime) -> str | None:
    """Check the settings against the app, then load the demo catalogue into an empty database
    and create the demo seller (unless DEMO_DATA is off). Returns the demo seller's new API key
    the first time, None afterwards."""
    from sellers_center.accounts import service as accounts
    from sellers_center.app import create_app
    from sellers_center.catalog import service as catalog

    create_app(runtime)  # refuses RATE_LIMITS naming a bucket no endpoint has
    if not runtime.settings.demo_data:
        return None
    now = runtime.clock.now()
    if await catalog.is_empty(session):
        await catalog.import_document(session, catalog.demo_document())
    if await accounts.has_sellers(session):
        return None
    seller_id = await accounts.create_seller(session, DEMO_SELLER, None, now)
    issued = await accounts.create_key(session, seller_id, label="created by serve", now=now)
    return issued.key


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes sharing the port (share limits via Redis).")
    ] = 1,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help=(
                "Run a worker process beside the API processes. Default: the"
                " SELLERS_CENTER_EMBEDDED_WORKER setting (true)."
            ),
        ),
    ] = None,
) -> None:
    """Migrate, load the demo catalogue into an empty database, and serve the API."""
    import uvicorn

    from sellers_center.http.transport import server_options
    from sellers_center.telemetry.logs import configure_logging, logging_config
    from sellers_center.telemetry.processes import metrics_shared_between_processes

    async def prepare(runtime: Runtime) -> str | None:
        return await runtime.unit.write(lambda session: _prepare(session, runtime))

    settings = load_settings()
    with_worker = settings.embedded_worker if worker is None else worker
    if with_worker and _is_in_memory(settings.database_url):
        fail(
            "an in-memory SQLite database cannot be shared with serve's worker process: "
            "use a database file, or --no-worker"
        )
    # Entered before anything imports the metrics, this process's own included: it serves
    # the API itself when there is one API process.
    with metrics_shared_between_processes(workers > 1 or with_worker):
        demo_key = run_in_runtime(prepare, settings=settings, migrate=True)
        if demo_key is not None:
            say(f"Created seller '{DEMO_SELLER}'. Its API key, shown only this once:")
            say(demo_key)
        if workers > 1 and settings.redis_url is None and settings.rate_limits_enabled:
            print(
                "warning: without SELLERS_CENTER_REDIS_URL each of the "
                f"{workers} processes counts rate limits on its own",
                file=sys.stderr,
            )
        # The API processes never apply batches themselves: the worker process does.
        os.environ["SELLERS_CENTER_EMBEDDED_WORKER"] = "false"
        configure_logging(settings.log_format, settings.log_level)
        # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the
        # handler it found in place: this one, so a requested stop ends with status 0, after
        # the worker process stopped.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with _started_worker_process(settings) if with_worker else contextlib.nullcontext():
            uvicorn.run(
                "sellers_center.app:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_config=logging_config(settings.log_format, settings.log_level),
                access_log=False,
                timeout_graceful_shutdown=REQUEST_GRACE_SECONDS,
                **server_options(settings),
            )


def _is_in_memory(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed)
    return parsed.get_backend_name() == "sqlite" and in_memory


@contextlib.contextmanager
def _started_worker_process(settings: Settings) -> Iterator[None]:
    from sellers_center.cli.worker_process import WorkerStartError, worker_processes

    try:
        with worker_processes(settings):
            yield
    except WorkerStartError as error:
        fail(str(error))


@app.command("migrate")
def migrate_command(
    create_database: Annotated[
        bool,
        typer.Option(
            "--create-database", help="Create the PostgreSQL database first if it is missing."
        ),
    ] = False,
) -> None:
    """Apply the database migrations (safe to run again)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from sellers_center.db.migrate import create_database as create_db

    settings = load_settings()
    if create_database:
        url = settings.database_url
        try:
            created = asyncio.run(create_db(url))
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            fail(f"could not create the database: {error}")
        if created:
            say(f"Created database {make_url(url).database}.")
    run(nothing, settings=settings, migrate=True)
    say("Database is up to date.")


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=256, help="Batches processed at once.")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus metrics on this port (all interfaces)."),
    ] = None,
) -> None:
    """Process batches until SIGTERM or SIGINT; run as many as you like, on any machine."""
    from prometheus_client import start_http_server

    from sellers_center.cli.worker_process import run_worker

    if metrics_port is not None:
        start_http_server(metrics_port)
    run_worker(migrate=True, concurrency=concurrency)
