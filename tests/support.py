"""Test plumbing shared by the suites: database backends, sellers, clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sellers_center.accounts import service as accounts
from sellers_center.app import app_key, bind_runtime, create_app
from sellers_center.catalog import service as catalog
from sellers_center.db import Database
from sellers_center.db.migrate import migrate
from sellers_center.db.tables import (
    Attribute,
    AttributeGroup,
    Base,
    Carrier,
    CatalogState,
    Category,
    CategoryAttributeGroup,
    Country,
    Currency,
    Locale,
    RejectionReason,
)
from sellers_center.http.fastpath import ResultsRoute
from sellers_center.runtime import Runtime
from tests.engine.echo_kind import EFFECTS

POSTGRES_URL = os.environ.get(
    "SELLERS_CENTER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SELLERS_CENTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IS_CI = os.environ.get("CI", "").lower() == "true"

BOTH_BACKENDS = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

# Tables the tests add beside the schema; emptied between tests like the others.
EXTRA_TABLES = (EFFECTS.name,)

# The catalogue's tables (its version row included): every test database starts with the demo
# catalogue, as a first ``serve`` leaves it. Importing it per test cost 2-5 s of set-up on a busy
# machine; the templates hold it instead, and a PostgreSQL reset keeps it.
CATALOGUE_TABLES = tuple(
    table.__tablename__
    for table in (
        CatalogState,
        AttributeGroup,
        Attribute,
        Category,
        CategoryAttributeGroup,
        Currency,
        Country,
        Carrier,
        Locale,
        RejectionReason,
    )
)


# One app per pytest process and app key: building one costs about 0.14 s (0.5 s on a busy
# machine), most of an HTTP test's set-up when each test built its own.
_APPS: dict[tuple[object, bool], FastAPI] = {}


def app_of(runtime: Runtime, *, results_fast_path: bool = True) -> FastAPI:
    """An app serving ``runtime``, reused between tests whose runtimes have the same app key;
    without ``results_fast_path``, results are read through their FastAPI routes only (what the
    fast path must answer alike). A test that changes the app itself (adds routes) builds its
    own with ``create_app``."""
    key = (app_key(runtime), results_fast_path)
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = create_app(runtime)
        if not results_fast_path:
            routes = app.router.routes
            routes[:] = [route for route in routes if not isinstance(route, ResultsRoute)]
    else:
        bind_runtime(app, runtime)
    return app


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def migrate_url(url: str) -> None:
    """Migrate, add the table the tests' echo kind writes to (not part of the schema) and load
    the demo catalogue."""
    database = Database(url)
    try:
        await migrate(database)
        async with database.write_session.begin() as session:
            connection = await session.connection()
            await connection.run_sync(EFFECTS.metadata.create_all)
            await catalog.import_document(session, catalog.demo_document())
    finally:
        await database.dispose()


def make_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    asyncio.run(migrate_url(sqlite_url(path)))
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    target = folder / "sellers-center.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


# A test's statement that runs this long is stuck (a lock left held): fail, do not hang.
ADMIN_STATEMENT_TIMEOUT_SECONDS = 30


async def _connect(url: str) -> asyncpg.Connection:
    """A plain connection for the tests' own administration of ``url``'s server."""
    return await asyncpg.connect(
        _asyncpg_dsn(url),
        timeout=5,
        command_timeout=ADMIN_STATEMENT_TIMEOUT_SECONDS + 5,
        server_settings={"statement_timeout": str(ADMIN_STATEMENT_TIMEOUT_SECONDS * 1000)},
    )


async def _admin(url: str, statement: str) -> None:
    connection = await _connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database(server_url: str = POSTGRES_URL) -> str:
    """A fresh, migrated database on the server of ``server_url`` (the local one unless told);
    skip (fail under CI) when unreachable."""
    name = f"sellers_center_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL is not reachable at {server_url}: {error!r}"
        if IS_CI:
            pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
        pytest.skip(reason)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(migrate_url(url))
    return url


def require_redis() -> str:
    """The test Redis URL; skip (fail under CI) when it does not answer."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {REDIS_URL}: {error!r}"
        if IS_CI:
            pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
        pytest.skip(reason)
    finally:
        client.close()
    return REDIS_URL


def drop_postgres_database(url: str) -> None:
    _RESETS.close(url)
    name = make_url(url).database
    asyncio.run(_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def reset_postgres(url: str, extra_tables: tuple[str, ...] = ()) -> None:
    """Empty every table the migrations made (and ``extra_tables``) but the catalogue's, which
    is put back only when a test changed it: the database is then as ``migrate_url`` left it.

    DELETE and a restart of every sequence, not TRUNCATE: a test leaves a few rows, and
    TRUNCATE's new files cost 190-360 ms per reset here, DELETE 100-150 ms (loaded machine).
    One script over a connection this process keeps (``_Resets``): a new engine and a statement
    per table took 50-120 ms per test, the script 8-15 ms."""
    _RESETS.run(url, extra_tables)


class _Resets:
    """The connections of this pytest process that reset its test databases, on an event loop
    of their own: each test runs on a new loop, and a connection belongs to the loop that
    opened it. Called from synchronous fixtures, where no loop is running."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: dict[str, tuple[asyncpg.Connection, str]] = {}

    def run(self, url: str, extra_tables: tuple[str, ...]) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._reset(url, extra_tables))

    async def _reset(self, url: str, extra_tables: tuple[str, ...]) -> None:
        try:
            await self._empty(url, extra_tables)
        except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError):
            # The server ended the kept session (a restart, an idle timeout): once more, anew.
            stale, _ = self._connections.pop(url)
            stale.terminate()
            await self._empty(url, extra_tables)

    async def _empty(self, url: str, extra_tables: tuple[str, ...]) -> None:
        kept = self._connections.get(url)
        if kept is None:
            self._connections[url] = kept = await _reset_connection(url, extra_tables)
        connection, script = kept
        await connection.execute(script)  # one implicit transaction
        fingerprint = await connection.fetchval(_FINGERPRINT)
        if _BAKED_CATALOGUES.setdefault(url, fingerprint) != fingerprint:
            await _reload_demo_catalogue(url)

    def close(self, url: str) -> None:
        """Close the connection to ``url`` (before the database is dropped), and the loop with
        the last one."""
        if self._loop is None:
            return
        kept = self._connections.pop(url, None)
        if kept is not None:
            self._loop.run_until_complete(kept[0].close())
        if not self._connections:
            self._loop.close()
            self._loop = None


_RESETS = _Resets()


async def _reset_connection(
    url: str, extra_tables: tuple[str, ...]
) -> tuple[asyncpg.Connection, str]:
    """A connection to ``url`` and the script that empties its database."""
    connection = await _connect(url)
    try:
        return connection, await _reset_script(connection, extra_tables)
    except BaseException:
        await connection.close()
        raise


async def _reset_script(connection: asyncpg.Connection, extra_tables: tuple[str, ...]) -> str:
    kept = set(CATALOGUE_TABLES)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in kept]
    sequences = await connection.fetch(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'"
    )
    return "".join(
        [
            *(f'DELETE FROM "{name}";' for name in [*extra_tables, *tables]),  # dependents first
            *(f'ALTER SEQUENCE "{row["sequence_name"]}" RESTART;' for row in sequences),
        ]
    )


# What the catalogue tables held at the first reset of each database (right after
# ``migrate_url`` made it), by URL.
_BAKED_CATALOGUES: dict[str, str] = {}


# One hash of every catalogue row (under 200 rows: 1-8 ms here).
_FINGERPRINT = "SELECT md5(concat_ws('|', {}))".format(
    ", ".join(
        f"(SELECT string_agg(t::text, ',' ORDER BY t::text) FROM \"{name}\" AS t)"
        for name in CATALOGUE_TABLES
    )
)


async def _reload_demo_catalogue(url: str) -> None:
    names = ", ".join(f'"{name}"' for name in CATALOGUE_TABLES if name != "catalog_state")
    database = Database(url)
    try:
        async with database.write_session.begin() as session:
            await session.execute(text(f"TRUNCATE {names} CASCADE"))
            await session.execute(text("UPDATE catalog_state SET version = 0"))
            await catalog.import_document(session, catalog.demo_document())
    finally:
        await database.dispose()


async def empty_catalogue(database: Database) -> None:
    """Remove the whole catalogue, as in a database just migrated (version 0)."""
    catalogue = [t for t in reversed(Base.metadata.sorted_tables) if t.name in CATALOGUE_TABLES]
    async with database.write_session.begin() as session:
        for table in catalogue:
            if table.name != "catalog_state":
                await session.execute(table.delete())
        await session.execute(text("UPDATE catalog_state SET version = 0"))


@dataclass(frozen=True)
class SellerKey:
    seller_id: int
    name: str
    key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


async def make_seller(database: Database, name: str, now: datetime) -> SellerKey:
    async with database.write_session.begin() as session:
        seller_id = await accounts.create_seller(session, name, None, now)
        issued = await accounts.create_key(session, seller_id, label="tests", now=now)
    return SellerKey(seller_id, name, issued.key, issued.key_id)


def kill_process_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGKILL a child started with ``start_new_session=True`` and everything it started (its
    process group, e.g. the API processes of ``serve --workers N``), then reap it.

    Called from ``finally`` blocks and fixture teardowns, so a failed test leaves no process
    behind. The group is killed before the leader is reaped: until then its id cannot be reused.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
