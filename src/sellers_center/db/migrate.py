"""Applying the Alembic migrations from code (``sellers-center migrate``, ``serve``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from sellers_center.db.engine import Database

MIGRATIONS_FOLDER = Path(__file__).parent / "migrations"


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
        await connection.run_sync(upgrade)
        await session.commit()
