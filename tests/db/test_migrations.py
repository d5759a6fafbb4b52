"""Migrations build exactly the models' schema and undo cleanly; SQLite is set up for writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, update
from sqlalchemy.engine import Connection

from sellers_center.db import Database
from sellers_center.db.migrate import alembic_config
from sellers_center.db.tables import Base, CatalogState
from tests.engine.echo_kind import EFFECTS
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

# Bound on waiting for the second writer; it needs only the first one's commit.
SECOND_WRITER_TIMEOUT_SECONDS = 30
# Lets the second writer reach its BEGIN IMMEDIATE before we check it is still waiting.
SECOND_WRITER_HEAD_START_SECONDS = 0.2


def _schema_differences(connection: Connection) -> list[Any]:
    differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The tests add one table of their own beside the schema (tests.engine.echo_kind).
    return [
        difference
        for difference in differences
        if not (
            isinstance(difference, tuple)
            and difference[0] == "remove_table"
            and difference[1].name == EFFECTS.name
        )
    ]


async def schema_differences(database: Database) -> list[Any]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_schema_differences)


async def run_alembic(database: Database, action: str, revision: str) -> None:
    def apply(connection: Connection) -> None:
        getattr(command, action)(alembic_config(connection), revision)

    async with database.write_session() as session:
        connection = await session.connection()
        await connection.run_sync(apply)
        await session.commit()


async def table_names(database: Database) -> set[str]:
    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with database.engine.connect() as connection:
        return await connection.run_sync(names)


async def catalog_state(database: Database) -> list[tuple[int, int]]:
    async with database.read_session() as session:
        rows = await session.execute(select(CatalogState.id, CatalogState.version))
        return [(row.id, row.version) for row in rows]


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert await schema_differences(database) == []
    finally:
        await database.dispose()


# The test databases hold the demo catalogue (version 1, tests/support.py): what the
# migrations alone seed (version 0) is checked after an upgrade from the base.
async def test_downgrade_to_base_and_upgrade_to_head_again(database_url: str) -> None:
    database = Database(database_url)
    try:
        await run_alembic(database, "downgrade", "base")
        remaining = await table_names(database)
        await run_alembic(database, "upgrade", "head")

        assert remaining == {"alembic_version", EFFECTS.name}
        assert await schema_differences(database) == []
        assert await catalog_state(database) == [(1, 0)]
    finally:
        await database.dispose()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    database_url: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("PRAGMAs exist on SQLite only")
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await database.dispose()

    # synchronous 2 is FULL.
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "synchronous": 2,
    }


@pytest.mark.parametrize("same_process", [True, False], ids=["same-process", "other-process"])
async def test_two_concurrent_sqlite_write_transactions_both_commit_one_after_the_other(
    database_url: str, backend: str, same_process: bool
) -> None:
    """Write transactions take SQLite's lock up front, so a read-then-write cannot interleave.

    In one process writers queue on the Database's own lock; a writer of another process (here:
    another Database on the same file) waits on SQLite's busy timeout. (On PostgreSQL two such
    transactions run side by side by design; services use one atomic statement over check-then-act
    there.)"""
    if backend != "sqlite":
        pytest.skip("BEGIN IMMEDIATE and the busy timeout are SQLite's")
    database = Database(database_url)
    other = database if same_process else Database(database_url)

    async def increment_version(session: Any) -> None:
        version = (await session.execute(select(CatalogState.version))).scalar_one()
        await session.execute(update(CatalogState).values(version=version + 1))

    async def second_writer() -> None:
        async with other.write_session.begin() as session:
            await increment_version(session)

    try:
        [(_, version_before)] = await catalog_state(database)
        async with database.write_session.begin() as first:
            await increment_version(first)
            second = asyncio.create_task(second_writer())
            await asyncio.sleep(SECOND_WRITER_HEAD_START_SECONDS)
            is_second_done_while_first_open = second.done()
        await asyncio.wait_for(second, SECOND_WRITER_TIMEOUT_SECONDS)

        assert is_second_done_while_first_open is False
        assert await catalog_state(database) == [(1, version_before + 2)]
    finally:
        await database.dispose()
        await other.dispose()
