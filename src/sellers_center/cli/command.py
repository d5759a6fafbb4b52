"""What every command shares: its settings, its run against the database, its output.

Imported by every command module, so it imports the service only in its functions: a command
that never reaches the database (``--help``) should not pay for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.catalog.service import CatalogCache
    from sellers_center.clock import Clock
    from sellers_center.db import Database
    from sellers_center.runtime import Runtime
    from sellers_center.settings import Settings

T = TypeVar("T")


def unreachable_errors() -> tuple[type[Exception], ...]:
    """What a database that cannot be reached (or opened) raises: a refused or timed-out
    connection, a SQLite file that cannot be opened, a server going away. (A server that refuses
    the login or does not know the database raises a DBAPIError without a statement: see
    ``is_unreachable``.)"""
    import asyncpg
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    return (
        OSError,
        TimeoutError,
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        asyncpg.PostgresError,
    )


def is_unreachable(error: Exception) -> bool:
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, unreachable_errors()):
        return True
    return isinstance(error, DBAPIError) and error.statement is None  # failed to connect


def console() -> Console:
    """Standard output, sized by the environment the command runs in (``COLUMNS``)."""
    from rich.console import Console

    return Console()


def say(text: str) -> None:
    """Print text that may hold user input (names, labels) literally, never as markup."""
    console().print(text, markup=False, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 1."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def load_settings() -> Settings:
    """The settings from the environment; a mistake in them ends the command with one line."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError as UnparsableSettingsError

    from sellers_center.settings import Settings, describe_invalid_settings

    try:
        return Settings()
    except ValidationError as error:
        fail(describe_invalid_settings(error))
    except UnparsableSettingsError as error:  # e.g. RATE_LIMITS that is not JSON
        fail(f"{error}: {error.__cause__}" if error.__cause__ else str(error))


class Services:
    """What the operator's commands use of a process's runtime: the settings, the database and
    its units of work, the clock and the catalogue cache. Unlike ``Runtime`` it builds no batch
    kinds and no rate limiter, whose imports (every domain, the PDF library, Redis) cost a
    command more than its work; ``serve`` and ``worker`` use the whole runtime."""

    def __init__(self, settings: Settings) -> None:
        from sellers_center.clock import SystemClock
        from sellers_center.db import Database, UnitOfWork

        self.settings = settings
        self.database = Database.from_settings(settings)
        self.unit = UnitOfWork(self.database)
        """Where commands get their sessions."""
        self.clock: Clock = SystemClock()

    @cached_property
    def catalog(self) -> CatalogCache:
        from sellers_center.catalog.service import CatalogCache

        return CatalogCache()


class WithDatabase(Protocol):
    @property
    def database(self) -> Database: ...


C = TypeVar("C", bound=WithDatabase)


def run(
    work: Callable[[Services], Awaitable[T]],
    *,
    settings: Settings | None = None,
    migrate: bool = False,
) -> T:
    """Run one command against the configured database.

    Only ``serve``, ``worker`` and ``migrate`` migrate (``migrate=True``); every other command
    needs the schema at this version's head and says how to get there otherwise. Domain errors,
    refused settings and an unreachable database end the command with one line and status 1.
    """
    return _run(Services, work, settings=settings, migrate=migrate)


def run_in_runtime(
    work: Callable[[Runtime], Awaitable[T]],
    *,
    settings: Settings | None = None,
    migrate: bool = False,
) -> T:
    """``run`` with the process's whole runtime (the batch kinds, the worker, the app's
    limiter): for ``serve`` and ``worker``."""

    def build(settings: Settings) -> Runtime:
        from sellers_center.runtime import Runtime

        return Runtime.from_settings(settings)

    return _run(build, work, settings=settings, migrate=migrate)


def _run(
    build: Callable[[Settings], C],
    work: Callable[[C], Awaitable[T]],
    *,
    settings: Settings | None,
    migrate: bool,
) -> T:
    from sqlalchemy.exc import DBAPIError

    from sellers_center.db.migrate import SchemaError, require_current_schema
    from sellers_center.db.migrate import migrate as apply_migrations
    from sellers_center.errors import DomainError
    from sellers_center.settings import SettingsError

    database_errors: tuple[type[Exception], ...] = (*unreachable_errors(), DBAPIError)
    settings = settings or load_settings()
    prepare = apply_migrations if migrate else require_current_schema
    try:
        open_sqlite_file(settings.database_url)
    except (OSError, sqlite3.Error) as error:
        fail(unreachable(settings.database_url, error))

    async def main() -> T:
        runtime = build(settings)
        try:
            await prepare(runtime.database)
            return await work(runtime)
        finally:
            await runtime.database.dispose()

    try:
        return asyncio.run(main())
    except (DomainError, SchemaError) as error:
        fail(error.message)
    except SettingsError as error:
        fail(str(error))
    except database_errors as error:
        if not is_unreachable(error):
            raise
        fail(unreachable(settings.database_url, error))


if TYPE_CHECKING:
    Transaction = Callable[[AsyncSession, Services], Awaitable[T]]
    """A command's work: its service calls in one transaction, given the session and the
    services."""


def read(work: Transaction[T]) -> T:
    """Run a command's reads in one read-only transaction."""

    async def in_transaction(services: Services) -> T:
        async with services.unit.read() as session:
            return await work(session, services)

    return run(in_transaction)


def write(work: Transaction[T], *, settings: Settings | None = None, migrate: bool = False) -> T:
    """Run a command's service calls in one write transaction: committed when ``work`` returns,
    rolled back when it raises."""

    async def in_transaction(services: Services) -> T:
        return await services.unit.write(lambda session: work(session, services))

    return run(in_transaction, settings=settings, migrate=migrate)


def open_sqlite_file(url: str) -> None:
    """Open a SQLite database file once, synchronously. When aiosqlite fails to open one, its
    thread reports the failure to an event loop the command may have closed by then, which
    printed a second traceback after the command's one line."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(parsed.database).close()


def unreachable(url: str, error: BaseException) -> str:
    """One line naming the database (without its password) and the driver's reason."""
    from sqlalchemy.engine import make_url

    where = make_url(url).render_as_string(hide_password=True)
    return f"cannot use the database {where}: {reason(error)}"


def reason(error: BaseException) -> str:
    """The first line of the innermost message: SQLAlchemy wraps the driver's error and adds
    a link to its own documentation, which tells an operator nothing."""
    innermost = getattr(error, "orig", None) or error
    innermost = innermost.__cause__ or innermost
    text = str(innermost).strip() or type(innermost).__name__
    return text.splitlines()[0]


async def nothing(_: object) -> None:
    """The work of a command that only prepares the database (``migrate``)."""
