"""The ``sellers-center`` command: one Typer sub-app per domain; a docstring is its --help."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import asyncpg
import typer
from prometheus_client import start_http_server
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url

from sellers_center.accounts import service as accounts
from sellers_center.catalog import service as catalog
from sellers_center.catalog.document import CatalogDocument
from sellers_center.db.migrate import create_database as create_db
from sellers_center.db.migrate import migrate as apply_migrations
from sellers_center.engine.shutdown import run_until_signalled
from sellers_center.errors import DomainError
from sellers_center.lifecycle import service as lifecycle
from sellers_center.runtime import Runtime, tune_garbage_collector
from sellers_center.settings import Settings
from sellers_center.telemetry.logs import configure_logging, logging_config
from sellers_center.telemetry.metrics import metrics_shared_between_processes

T = TypeVar("T")

app = typer.Typer(help="Sellers Center: the seller-facing catalogue API.", no_args_is_help=True)
sellers_app = typer.Typer(help="Manage sellers.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage sellers' API keys.", no_args_is_help=True)
catalog_app = typer.Typer(help="Import and export the catalogue taxonomy.", no_args_is_help=True)
app.add_typer(sellers_app, name="sellers")
app.add_typer(keys_app, name="keys")
review_app = typer.Typer(help="Review published styles (operator approval).", no_args_is_help=True)
products_app = typer.Typer(help="Look into sellers' products.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(review_app, name="review")
app.add_typer(products_app, name="products")

console = Console()
errors = Console(stderr=True)

DEMO_SELLER = "demo"
# On SIGTERM, requests in flight get this long before connections are closed.
REQUEST_GRACE_SECONDS = 10


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one command against the configured database; domain errors exit with status 1."""

    async def main() -> T:
        runtime = Runtime.from_settings(Settings())
        try:
            await apply_migrations(runtime.database)
            return await work(runtime)
        finally:
            await runtime.database.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        _fail(error.message)


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def _say(text: str) -> None:
    """Print text that may hold user input (names, labels) literally, never as markup."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


async def _prepare(runtime: Runtime) -> str | None:
    """Load the demo catalogue into an empty database and create the demo seller (unless
    DEMO_DATA is off). Returns the demo seller's new API key the first time, None afterwards."""
    if not runtime.settings.demo_data:
        return None
    now = runtime.clock.now()
    async with runtime.database.write_session.begin() as session:
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
            help="Process batches in the API processes too [default: EMBEDDED_WORKER, true].",
        ),
    ] = None,
) -> None:
    """Migrate, load the demo catalogue into an empty database, and serve the API."""
    import uvicorn

    settings = Settings()
    demo_key = _run(_prepare)
    if demo_key is not None:
        _say(f"Created seller '{DEMO_SELLER}'. Its API key, shown only this once:")
        _say(demo_key)
    if worker is not None:
        os.environ["SELLERS_CENTER_EMBEDDED_WORKER"] = "true" if worker else "false"
    if workers > 1 and settings.redis_url is None and settings.rate_limits_enabled:
        errors.print(
            "warning: without SELLERS_CENTER_REDIS_URL each of the "
            f"{workers} processes counts rate limits on its own",
            markup=False,
            highlight=False,
        )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the handler
    # it found in place: this one, so a requested stop ends with status 0.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with metrics_shared_between_processes(workers > 1):
        uvicorn.run(
            "sellers_center.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logging_config(settings.log_format, settings.log_level),
            access_log=False,
            timeout_graceful_shutdown=REQUEST_GRACE_SECONDS,
        )


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
    if create_database:
        url = Settings().database_url
        try:
            created = asyncio.run(create_db(url))
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            _fail(f"could not create the database: {error}")
        if created:
            _say(f"Created database {make_url(url).database}.")
    _run(_nothing)
    _say("Database is up to date.")


async def _nothing(_: Runtime) -> None:
    """A command whose whole work is the migration every command starts with."""


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
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    if metrics_port is not None:
        start_http_server(metrics_port)

    async def main() -> None:
        runtime = Runtime.from_settings(settings)
        try:
            await apply_migrations(runtime.database)
            tune_garbage_collector()
            await run_until_signalled(runtime.worker())
        finally:
            await runtime.database.dispose()

    asyncio.run(main())


@sellers_app.command("create")
def sellers_create(
    name: str,
    brand: Annotated[
        list[int] | None,
        typer.Option(help="Brand id the seller may use; repeat. Default: all."),
    ] = None,
) -> None:
    """Create a seller allowed to use the given brands (default: every brand)."""

    async def work(runtime: Runtime) -> int:
        async with runtime.database.write_session.begin() as session:
            return await accounts.create_seller(session, name, brand, runtime.clock.now())

    seller_id = _run(work)
    _say(f"Created seller {name!r} (id {seller_id}).")


@keys_app.command("create")
def keys_create(
    seller: Annotated[str, typer.Option(help="Name of the seller the key acts for.")],
    label: Annotated[str | None, typer.Option(help="A note to recognise the key by.")] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Days until the key stops working.")
    ] = None,
) -> None:
    """Create an API key; the key itself is printed alone on the last line, only this once."""
    expires_in = timedelta(days=expires_in_days) if expires_in_days else None

    async def work(runtime: Runtime) -> accounts.IssuedKey:
        async with runtime.database.write_session.begin() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            now = runtime.clock.now()
            return await accounts.create_key(
                session, seller_id, label=label, now=now, expires_in=expires_in
            )

    issued = _run(work)
    expiry = issued.expires_at.isoformat() if issued.expires_at else "never"
    print(f"Created key {issued.key_id} for seller {seller!r} (expires: {expiry}).")
    print(issued.key)


@keys_app.command("list")
def keys_list(seller: Annotated[str, typer.Option(help="Name of the seller.")]) -> None:
    """List a seller's keys (ids and state; the keys themselves are never stored)."""

    async def work(runtime: Runtime) -> tuple[list[accounts.KeyInfo], datetime]:
        async with runtime.database.read_session() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            return await accounts.list_keys(session, seller_id), runtime.clock.now()

    keys, now = _run(work)
    table = Table("key id", "label", "state", "created", "expires")
    for key in keys:
        expires = key.expires_at.isoformat(timespec="seconds") if key.expires_at else "never"
        created = key.created_at.isoformat(timespec="seconds")
        table.add_row(key.key_id, Text(key.label or ""), key.state(now), created, expires)
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key at once: calls with it get 401 from now on."""

    async def work(runtime: Runtime) -> None:
        async with runtime.database.write_session.begin() as session:
            await accounts.revoke_key(session, key_id, runtime.clock.now())

    _run(work)
    _say(f"Revoked key {key_id}.")


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Replace the catalogue with the one in FILE (JSON); importing the same file is a no-op."""
    try:
        document = CatalogDocument.model_validate_json(file.read_bytes())
    except ValueError as error:
        _fail(f"{file} is not a valid catalogue: {error}")

    async def work(runtime: Runtime) -> catalog.ImportOutcome:
        async with runtime.database.write_session.begin() as session:
            return await catalog.import_document(session, document)

    outcome = _run(work)
    state = "imported" if outcome.changed else "unchanged"
    _say(f"Catalogue {state} (version {outcome.version}).")


@catalog_app.command("export")
def catalog_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="'-' for stdout.")],
) -> None:
    """Write the catalogue to FILE as JSON, in the format `catalog import` reads."""

    async def work(runtime: Runtime) -> CatalogDocument:
        async with runtime.database.read_session() as session:
            return await catalog.export_document(session)

    text = json.dumps(_run(work).model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        _say(f"Catalogue written to {file}.")


SellerOption = Annotated[str, typer.Option("--seller", help="Name of the seller.")]


@review_app.command("list")
def review_list(
    seller: Annotated[str | None, typer.Option(help="Only this seller's styles.")] = None,
) -> None:
    """List the styles waiting for approval, oldest first."""

    async def work(runtime: Runtime) -> list[lifecycle.PendingStyle]:
        async with runtime.database.read_session() as session:
            seller_id = (
                None if seller is None else await accounts.seller_id_by_name(session, seller)
            )
            return await lifecycle.pending_review(session, seller_id)

    table = Table("seller", "style key", "variants", "waiting since")
    for style in _run(work):
        since = style.since.isoformat(timespec="seconds") if style.since else ""
        table.add_row(Text(style.seller), Text(style.style_key), str(style.variants), since)
    console.print(table)


@review_app.command("approve")
def review_approve(style_key: str, seller: SellerOption) -> None:
    """Approve a style: it becomes pending_active, and active once a worker has activated it."""

    async def work(runtime: Runtime) -> None:
        async with runtime.database.write_session.begin() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            await lifecycle.approve(session, seller_id, style_key, runtime.clock.now())

    _run(work)
    _say(f"Approved {style_key} of {seller}; a worker activates it shortly.")


@review_app.command("reject")
def review_reject(
    style_key: str,
    seller: SellerOption,
    reason: Annotated[
        list[str], typer.Option(help="Rejection reason key from the catalogue; repeat.")
    ],
    message: Annotated[str | None, typer.Option(help="A note for the seller.")] = None,
) -> None:
    """Reject a style with catalogue reasons; the seller sees them in /products/rejected."""

    async def work(runtime: Runtime) -> None:
        async with runtime.database.write_session.begin() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            catalogue = await runtime.catalog.get(session)
            await lifecycle.reject(
                session,
                catalogue,
                seller_id,
                style_key,
                reasons=reason,
                message=message,
                now=runtime.clock.now(),
            )

    _run(work)
    _say(f"Rejected {style_key} of {seller}: {', '.join(reason)}.")


@products_app.command("history")
def products_history(style_key: str, seller: SellerOption) -> None:
    """Print every status change of a style: when, from what to what, and why."""

    async def work(runtime: Runtime) -> list[lifecycle.HistoryEntry]:
        async with runtime.database.read_session() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            return await lifecycle.history(session, seller_id, style_key)

    table = Table("when", "from", "to", "cause", "detail")
    for entry in _run(work):
        when = entry.changed_at.isoformat(timespec="seconds")
        cells = (entry.from_status or "", entry.to_status, entry.cause, entry.detail or "")
        table.add_row(when, *(Text(cell) for cell in cells))
    console.print(table)


def main() -> None:
    app()
