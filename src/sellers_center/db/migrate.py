"""Applying the Alembic migrations from code (``sellers-center migrate``, ``serve``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from sellers_center.db.engine import Database

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

    async with database.write_session() as session:
        connection = await session.connection()
        if not database.is_sqlite:
            # An index build may take longer than a request's statement timeout, and so may
            # waiting for another process's migration.
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
        await connection.run_sync(upgrade)
        await session.commit()


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
