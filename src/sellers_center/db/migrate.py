"""Applying the Alembic migrations from code (``sellers-center migrate``, ``serve``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from sellers_center.db import statistics
from sellers_center.db.engine import Database
from sellers_center.db.unit import UnitOfWork

MIGRATIONS_FOLDER = Path(__file__).parent / "migrations"
# Processes starting together on PostgreSQL migrate one after the other under this lock.
MIGRATION_LOCK_KEY = 0x5E11E25


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.attributes["connection"] = connection
    return config


async def migrate(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with UnitOfWork(database).write() as session:
        connection = await session.connection()
        if not database.is_sqlite:
            # An index build may take longer than a request's statement timeout, and so may
            # waiting for another process's migration.
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
        before = await connection.run_sync(_current_revision)
        await connection.run_sync(upgrade)
        # On PostgreSQL autovacuum keeps statistics current, but a migration's new indexes have
        # none until it next runs; on SQLite nothing else gathers them (db/statistics.py).
        if database.is_sqlite or before != await connection.run_sync(_current_revision):
            await statistics.gather(session)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def create_database(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names when it does not exist; True if created.

    Connects to the server's ``postgres`` database to do it. SQLite creates its file itself.
    """
    database = Database(url)
    name = database.url.database
    if database.is_sqlite or not name:
        await database.dispose()
        return False
    try:
        connection = await database.connect_driver(
            application_name="sellers-center-migrate", database="postgres"
        )
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists:
                return False
            quoted = name.replace('"', '""')
            await connection.execute(f'CREATE DATABASE "{quoted}"')
            return True
        finally:
            await connection.close()
    finally:
        await database.dispose()


class SchemaError(Exception):
    """The database's schema is not the one this version of the service works with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def schema_revision(database: Database) -> str | None:
    """The revision the database is at; None when it has no schema yet."""

    async with UnitOfWork(database).read() as session:
        connection = await session.connection()
        return await connection.run_sync(_current_revision)


async def require_current_schema(database: Database) -> None:
    """Commands other than ``serve``, ``worker`` and ``migrate`` work on a schema at this
    version's head and never change it: an operator decides when a database is migrated."""
    scripts = ScriptDirectory.from_config(alembic_config())
    current, head = await schema_revision(database), scripts.get_current_head()
    if current == head:
        return
    if current is None:
        raise SchemaError("The database has no schema yet: run `sellers-center migrate` first")
    known = {script.revision for script in scripts.walk_revisions()}
    if current in known:
        raise SchemaError(
            f"The database schema is behind this version (at {current}, needs {head}): "
            "run `sellers-center migrate`"
        )
    raise SchemaError(
        f"The database schema ({current}) is newer than this version of sellers-center "
        f"(which knows up to {head}): upgrade sellers-center"
    )
