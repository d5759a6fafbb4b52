"""Engines and sessions for both profiles.

SQLite gets WAL, a busy timeout, foreign keys and full fsync (an answered batch survives a power
cut). Write transactions there start with ``BEGIN IMMEDIATE`` so two writers queue instead of
deadlocking on a read-to-write lock upgrade; reads keep a deferred ``BEGIN``. Writers queue
before they begin: on an asyncio lock within a process, then on a lock file shared by every
process of the database (``WriterTurns``). SQLite's busy handler sleeps in growing steps of up to
100 ms, which under load left the write lock idle most of the time (measured in bench/ingest.py,
first within one process, then between ``serve``'s API and worker processes); its busy timeout
decides in the end (a writer waits for the file at most that long), the turns only make
writers wait less. SQLite's statements go through
``sqlite_driver``: one hand-off to aiosqlite's thread per statement, none inside a write
transaction but one for long statements (``LONG_OPTION``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sellers_center.db import sqlite_driver

if TYPE_CHECKING:
    from sellers_center.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
IMMEDIATE_OPTION = "sellers_center_begin_immediate"
# A write transaction whose statements may take long (purges, statistics): on SQLite they keep
# the driver's thread, so the event loop goes on meanwhile (db/sqlite_driver.py).
LONG_OPTION = "sellers_center_long_statements"
# A PostgreSQL server that does not answer a connection attempt in this time is down.
CONNECT_TIMEOUT_SECONDS = 5.0
# A request waiting this long for a pooled connection gets 503 instead of waiting on.
POOL_TIMEOUT_SECONDS = 10.0
# URL options SQLAlchemy's asyncpg adapter takes for itself; asyncpg.connect knows none of them.
ADAPTER_ONLY_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")
# The client gives up on a statement this long after the server should have cancelled it.
CLIENT_TIMEOUT_MARGIN_SECONDS = 5.0


class Database:
    """The process's connection pool, with sessions for reading and for writing."""

    def __init__(
        self, url: str, *, pool_size: int = 10, statement_timeout_seconds: float = 30.0
    ) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {}
        if self.is_sqlite:
            _ensure_parent_folder(self.url.database)
            if self.url.get_driver_name() == "aiosqlite":
                options.update(module=sqlite_driver.DBAPI)  # see sqlite_driver
        else:
            options.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                pool_timeout=POOL_TIMEOUT_SECONDS,
                connect_args={
                    "timeout": CONNECT_TIMEOUT_SECONDS,
                    "command_timeout": statement_timeout_seconds + CLIENT_TIMEOUT_MARGIN_SECONDS,
                    "server_settings": {
                        "statement_timeout": str(round(statement_timeout_seconds * 1000)),
                        "application_name": "sellers-center",
                    },
                },
            )
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        write_engine = self.engine.execution_options(**{IMMEDIATE_OPTION: True})
        self.read_session = async_sessionmaker(self.engine, expire_on_commit=False)
        self.write_session = WriteSessions(
            async_sessionmaker(write_engine, expire_on_commit=False),
            async_sessionmaker(
                write_engine.execution_options(**{LONG_OPTION: True}), expire_on_commit=False
            ),
            WriterTurns(_lock_file(self.url.database)) if self.is_sqlite else None,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database a process of the service uses, as its settings say."""
        return cls(
            settings.database_url, statement_timeout_seconds=settings.statement_timeout_seconds
        )

    async def connect_driver(
        self, *, application_name: str, database: str | None = None
    ) -> asyncpg.Connection:
        """A plain asyncpg connection outside the pool (to LISTEN, or to create a database),
        with the URL's own options (``ssl`` and the like)."""
        url = self.url if database is None else self.url.set(database=database)
        _, options = self.engine.dialect.create_connect_args(url)
        for key in ADAPTER_ONLY_OPTIONS:
            options.pop(key, None)
        return await asyncpg.connect(
            **options,
            timeout=CONNECT_TIMEOUT_SECONDS,
            server_settings={"application_name": application_name},
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


class WriterTurns:
    """SQLite's writers, one at a time: within the process on an asyncio lock, then between
    processes on an exclusive ``flock`` of a file beside the database (none for an in-memory
    database). Waiting for the file lock takes a thread only when another process holds it.

    The file lock only spares writers SQLite's sleeps; SQLite's own lock keeps them apart. So a
    writer that cannot open the file (another user's, a read-only folder) goes without it, and
    one that waited the busy timeout for it goes on to SQLite, whose busy timeout then decides,
    as before (a 503 to a request). Each turn opens the file anew: a turn that stopped waiting
    (cancelled, or out of time) leaves its descriptor to its thread, which closes it once it got
    the lock, releasing it."""

    def __init__(
        self, path: str | None, wait_seconds: float = SQLITE_BUSY_TIMEOUT_MS / 1000
    ) -> None:
        self.path = path
        self.wait_seconds = wait_seconds
        self._process_lock = asyncio.Lock()
        self._not_writing = asyncio.Event()
        self._not_writing.set()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        async with self._process_lock:
            descriptor = None if self.path is None else await self._acquire(self.path)
            self._not_writing.clear()
            try:
                yield
            finally:
                self._not_writing.set()
                if descriptor is not None:
                    os.close(descriptor)

    async def not_writing(self) -> None:
        """Return once this process holds no write turn.

        Long CPU work (validating a 100-item body takes milliseconds) waits here: run while a
        transaction of the same process held the database's one write lock, it ran between
        that transaction's statements and held the lock for every process that long (an API
        insert held it about 10 ms for 2 ms of SQL, measured under load)."""
        await self._not_writing.wait()

    async def _acquire(self, path: str) -> int | None:
        """A descriptor holding the file's lock, or None to go on without it."""
        try:
            # flock needs no write access: read-only, so that any user who may write the
            # database may take turns on a file another user created.
            descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError:
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            pass
        except BaseException:
            os.close(descriptor)
            raise
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX))
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self.wait_seconds)
        except TimeoutError:
            waiting.add_done_callback(lambda _: os.close(descriptor))
            return None
        except BaseException:
            waiting.add_done_callback(lambda _: os.close(descriptor))
            raise
        return descriptor


class WriteSessions:
    """Sessions for write transactions; on SQLite one at a time (``WriterTurns``)."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        long_factory: async_sessionmaker[AsyncSession],
        turns: WriterTurns | None,
    ) -> None:
        self._factory = factory
        self._long_factory = long_factory
        self._turns = turns

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits."""
        async with self._turn(), self._factory() as session:
            yield session

    @contextlib.asynccontextmanager
    async def begin(self, *, long: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction committed on leaving the block (rolled back on error);
        ``long``: its statements may take long (``LONG_OPTION``)."""
        factory = self._long_factory if long else self._factory
        async with self._turn(), factory.begin() as session:
            yield session

    def _turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._turns() if self._turns is not None else contextlib.nullcontext()

    async def not_writing(self) -> None:
        """Return once this process holds no write turn (SQLite; at once on PostgreSQL, whose
        writers do not exclude each other)."""
        if self._turns is not None:
            await self._turns.not_writing()


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _database_file(database: str | None) -> Path | None:
    """The file of an SQLite database; None for an in-memory one (or a ``file:`` URI)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def _lock_file(database: str | None) -> str | None:
    """The file whose lock orders the writers of an SQLite database file's processes."""
    path = _database_file(database)
    return None if path is None else f"{path}-writer"


def _ensure_parent_folder(database: str | None) -> None:
    path = _database_file(database)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so the "begin" hook below decides its kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=FULL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE_OPTION) else "BEGIN")
        adapter = connection.connection.dbapi_connection
        if options.get(LONG_OPTION) and isinstance(adapter, sqlite_driver.AdaptedConnection):
            adapter.inline = False
