"""The embedded database's driver (db/sqlite_driver.py): each statement is one call on the
connection's thread, or none inside a write transaction, and SQLAlchemy reads from it what it
reads from aiosqlite's cursor (rows, row counts, the last row id, errors)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sellers_center.db import Database, sqlite_driver
from tests.support import sqlite_url

TABLE = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions handed to aiosqlite's connection thread."""
    handed: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(
        self: aiosqlite.Connection, fn: object, *args: object, **kw: object
    ) -> object:
        handed.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kw)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return handed


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(sqlite_url(tmp_path / "driver.db"))
    async with database.write_session.begin() as session:
        await session.execute(text(TABLE))
    yield database
    await database.dispose()


async def test_a_statement_is_one_call_on_the_connection_thread(
    database: Database, calls: list[str]
) -> None:
    async with database.read_session() as session:
        await session.execute(text("SELECT 1"))  # the transaction's BEGIN is a statement too
        calls.clear()
        rows = (await session.execute(text("SELECT :a, :b"), {"a": 1, "b": "x"})).all()
        handed = list(calls)

    assert [tuple(row) for row in rows] == [(1, "x")]
    assert handed == ["_run"]  # not a cursor opened, executed, fetched and closed: four


async def test_a_write_transaction_runs_its_statements_on_the_event_loop_s_thread(
    database: Database, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []

    def recording(*arguments: Any, **options: Any) -> sqlite_driver.Outcome:
        threads.append("loop" if threading.current_thread() is loop_thread else "other")
        return run(*arguments, **options)

    loop_thread, run = threading.current_thread(), sqlite_driver._run
    monkeypatch.setattr(sqlite_driver, "_run", recording)
    async with database.write_session.begin() as session:
        await session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        stored = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
    written = list(threads), list(calls)
    threads.clear()
    calls.clear()
    # The same pooled connection, now in a read transaction: its statements go back to the
    # connection's thread.
    async with database.read_session() as session:
        read = (await session.execute(text("SELECT body FROM notes"))).scalars().all()

    assert stored == read == ["a"]
    # BEGIN IMMEDIATE waits for the write lock on the connection's thread, then nothing is
    # handed off until the commit (which fsyncs there).
    # The pool's rollback of a connection it gets back is a call only when a transaction is open.
    assert written == (["other", "loop", "loop"], ["recording", "commit"])
    assert (threads, calls) == (["other", "other"], ["recording", "recording", "rollback"])


async def test_a_write_transaction_for_long_statements_keeps_the_connection_s_thread(
    database: Database, calls: list[str]
) -> None:
    """Purges and statistics may take long: the event loop goes on meanwhile."""
    async with database.write_session.begin(long=True) as session:
        await session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        await session.execute(text("DELETE FROM notes"))
    long_calls = list(calls)
    calls.clear()
    async with database.write_session.begin() as session:
        await session.execute(text("INSERT INTO notes (body) VALUES ('b')"))

    assert long_calls == ["_run", "_run", "_run", "commit"]  # BEGIN IMMEDIATE, INSERT, DELETE
    assert calls == ["_run", "commit"]  # the next one on the same connection: BEGIN only


async def test_rows_counts_and_row_ids_are_what_sqlite_says(database: Database) -> None:
    async with database.write_session.begin() as session:
        inserted = await session.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        many = await session.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "b"}, {"body": "c"}]
        )
        updated = await session.execute(text("UPDATE notes SET body = body || '!'"))
        returned = await session.execute(
            text("UPDATE notes SET body = upper(body) WHERE id > 1 RETURNING id, body")
        )
        returned_rows = sorted(tuple(row) for row in returned)
        empty = await session.execute(text("SELECT id FROM notes WHERE id > 99"))

    assert inserted.lastrowid == 1  # type: ignore[attr-defined]
    assert many.rowcount == 2  # type: ignore[attr-defined]
    assert updated.rowcount == 3  # type: ignore[attr-defined]
    assert returned_rows == [(2, "B!"), (3, "C!")]
    assert returned.rowcount == 2  # type: ignore[attr-defined]  # counted as its rows are read
    assert empty.all() == []


async def insert_twice(database: Database) -> None:
    async with database.write_session.begin() as session:
        await session.execute(text("INSERT INTO notes (body) VALUES ('same')"))
        await session.execute(text("INSERT INTO notes (body) VALUES ('same')"))


async def test_an_error_is_sqlalchemy_s_and_the_transaction_rolls_back(
    database: Database,
) -> None:
    with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: notes\.body"):
        await insert_twice(database)

    async with database.read_session() as session:
        count = (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one()
    assert count == 0
