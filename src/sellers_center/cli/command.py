"""What every command shares: its settings, its run against the database, its output."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import asyncpg
import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError as UnparsableSettingsError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.migrate import SchemaError, require_current_schema
from sellers_center.db.migrate import migrate as apply_migrations
from sellers_center.errors import DomainError
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings, SettingsError, describe_invalid_settings

T = TypeVar("T")

# What a database that cannot be reached (or opened) raises: a refused or timed-out connection,
# a SQLite file that cannot be opened, a server going away. (A server that refuses the login or
# does not know the database raises a DBAPIError without a statement: see ``is_unreachable``.)
UNREACHABLE = (
    OSError,
    TimeoutError,
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    asyncpg.PostgresError,
)


def is_unreachable(error: Exception) -> bool:
    if isinstance(error, UNREACHABLE):
        return True
    return isinstance(error, DBAPIError) and error.statement is None  # failed to connect


def console() -> Console:
    """Standard output, sized by the environment the command runs in (``COLUMNS``)."""
    return Console()


def say(text: str) -> None:
    """Print text that may hold user input (names, labels) literally, never as markup."""
    console().print(text, markup=False, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 1."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def load_settings() -> Settings:
    """The settings from the environment; a mistake in them ends the command with one line."""
    try:
        return Settings()
    except ValidationError as error:
        fail(describe_invalid_settings(error))
    except UnparsableSettingsError as error:  # e.g. RATE_LIMITS that is not JSON
        fail(f"{error}: {error.__cause__}" if error.__cause__ else str(error))


def run(
    work: Callable[[Runtime], Awaitable[T]],
    *,
    settings: Settings | None = None,
    migrate: bool = False,
) -> T:
    """Run one command against the configured database.

    Only ``serve``, ``worker`` and ``migrate`` migrate (``migrate=True``); every other command
    needs the schema at this version's head and says how to get there otherwise. Domain errors,
    refused settings and an unreachable database end the command with one line and status 1.
    """
    settings = settings or load_settings()
    prepare = apply_migrations if migrate else require_current_schema
    try:
        open_sqlite_file(settings.database_url)
    except (OSError, sqlite3.Error) as error:
        fail(unreachable(settings.database_url, error))

    async def main() -> T:
        runtime = Runtime.from_settings(settings)
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
    except (*UNREACHABLE, DBAPIError) as error:
        if not is_unreachable(error):
            raise
        fail(unreachable(settings.database_url, error))


Transaction = Callable[[AsyncSession, Runtime], Awaitable[T]]
"""A command's work: its service calls in one transaction, given the session and the runtime."""


def read(work: Transaction[T]) -> T:
    """Run a command's reads in one read-only transaction."""

    async def in_transaction(runtime: Runtime) -> T:
        async with runtime.unit.read() as session:
            return await work(session, runtime)

    return run(in_transaction)


def write(work: Transaction[T], *, settings: Settings | None = None, migrate: bool = False) -> T:
    """Run a command's service calls in one write transaction: committed when ``work`` returns,
    rolled back when it raises."""

    async def in_transaction(runtime: Runtime) -> T:
        return await runtime.unit.write(lambda session: work(session, runtime))

    return run(in_transaction, settings=settings, migrate=migrate)


def open_sqlite_file(url: str) -> None:
    """Open a SQLite database file once, synchronously. When aiosqlite fails to open one, its
    thread reports the failure to an event loop the command may have closed by then, which
    printed a second traceback after the command's one line."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(parsed.database).close()


def unreachable(url: str, error: BaseException) -> str:
    """One line naming the database (without its password) and the driver's reason."""
    where = make_url(url).render_as_string(hide_password=True)
    return f"cannot use the database {where}: {reason(error)}"


def reason(error: BaseException) -> str:
    """The first line of the innermost message: SQLAlchemy wraps the driver's error and adds
    a link to its own documentation, which tells an operator nothing."""
    innermost = getattr(error, "orig", None) or error
    innermost = innermost.__cause__ or innermost
    text = str(innermost).strip() or type(innermost).__name__
    return text.splitlines()[0]


async def nothing(_: Runtime) -> None:
    """The work of a command that only prepares the database (``migrate``)."""
