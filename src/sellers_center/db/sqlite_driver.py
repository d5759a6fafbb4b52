"""SQLAlchemy's aiosqlite driver with at most one hand-off to the connection's thread per
statement, and none inside a write transaction but those begun for long statements.

aiosqlite runs each call of a sqlite3 connection on a thread of its own: SQLAlchemy's adapter
makes three or four calls per statement (open a cursor, execute, fetch the rows if there are
any, close the cursor), and each one is a round trip between the event loop and that thread.
The cursor here runs them in one function and keeps what the adapter reads afterwards
(description, rows, row count, last row id). Measured on a 2-core machine: ``SELECT :x``
through a session went from 0.44 to 0.23 ms, an INSERT from 0.29 to 0.20 ms; a one-item
products batch makes about 20 statements.

Inside a write transaction (begun with ``BEGIN IMMEDIATE``, so SQLite's write lock is held and
no statement of it waits for another connection: WAL readers never block a writer) the function
runs on the event loop's thread itself, reads included: a hand-off costs more CPU than the
statements of a request or a batch, and every one made the write lock wait for the event loop
to come back to the transaction. Measured with 8 clients on ``serve``: the worker process's CPU
per 100-item products batch 40-46 -> 34-39 ms, ingest +12-18 %. What can wait keeps the
thread: ``BEGIN`` (the busy timeout), read transactions (a read may be long; the loop serves
other requests meanwhile), ``COMMIT`` and ``ROLLBACK`` (the fsync), and the write transactions
begun for long statements (db/engine.py ``LONG_OPTION``: purges, statistics; deleting 500
batches' payloads took 50 ms). The connection is opened with ``check_same_thread=False`` for
this; its calls never overlap, SQLAlchemy's adapter runs one at a time.

Transactions, isolation levels, functions and closing stay with SQLAlchemy's adapter and
aiosqlite; so do server-side (streamed) cursors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, *, many: bool) -> Outcome:
    """On the connection's thread: the statement, its rows and what its cursor says of it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        # After the fetch: an UPDATE ... RETURNING counts its rows as they are read.
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneCallCursor:
    """What SQLAlchemy's adapter uses of an aiosqlite cursor, each statement one call on the
    connection's thread. That call goes through aiosqlite's private ``_execute`` (SQLAlchemy's
    adapter reaches into aiosqlite's internals too); tests/db/test_sqlite_driver.py fails if
    it goes away."""

    __slots__ = (
        "_adapter",
        "_connection",
        "_rows",
        "arraysize",
        "description",
        "lastrowid",
        "rowcount",
    )

    def __init__(self, connection: aiosqlite.Connection, adapter: AdaptedConnection) -> None:
        self._connection = connection
        self._adapter = adapter
        self._rows: list[Any] = []
        self.arraysize = 1
        self.description: Any = None
        self.lastrowid: int | None = None
        self.rowcount = -1

    async def execute(self, sql: str, parameters: Any = ()) -> None:
        await self._call(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> None:
        await self._call(sql, parameters, many=True)

    async def _call(self, sql: str, parameters: Any, *, many: bool) -> None:
        connection, adapter = self._connection, self._adapter
        outcome: Outcome
        if adapter.inline and connection._conn.in_transaction:
            outcome = _run(connection._conn, sql, parameters, many=many)
        else:
            outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, sql, parameters, many=many
            )
            if sql.startswith("BEGIN"):  # every transaction starts with one (db/engine.py)
                adapter.inline = sql == "BEGIN IMMEDIATE"
        self.description, self._rows, self.rowcount, self.lastrowid = outcome

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # closing is a plain call: nothing to hand off

    def _make_new_cursor(self, connection: Any) -> Any:
        adapter = self._adapt_connection
        assert isinstance(adapter, AdaptedConnection)
        return OneCallCursor(connection, adapter)

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor


class AdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("inline",)
    _cursor_cls = _Cursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.inline = False  # the open transaction's statements run on the caller's thread

    def rollback(self) -> None:
        # The pool rolls back every connection it gets back, most of them just committed:
        # with no transaction open there is nothing to hand off.
        connection = self._connection._connection
        if connection is None or connection.in_transaction:
            super().rollback()


class _Dbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arguments: Any, **options: Any) -> AdaptedConnection:
        # The event loop's thread runs statements of write transactions (see above).
        adapted = super().connect(*arguments, **{**options, "check_same_thread": False})
        return AdaptedConnection(self, adapted._connection)


# For ``create_async_engine(url, module=DBAPI)`` with a ``sqlite+aiosqlite`` URL.
DBAPI = _Dbapi(aiosqlite, sqlite3)
