"""Units of work: the one place sessions are opened, and where their transactions end.

``read()`` gives a session for reading, ``write()`` one whose transaction commits when the block
ends (rolled back on error). Handlers, commands and worker steps take their session from here
(``http/dependencies.py``, ``cli/command.py``, the worker), never from the ``Database`` itself.

Inside a write, ``read()`` and a nested ``write()`` reuse the open session and its transaction:
on SQLite a second write transaction would wait for the process's write lock, which the outer
one holds (a deadlock). A nested ``write()`` is a savepoint, so that it is all or nothing like
any write: when its block raises, what it wrote is undone even if the outer block catches the
error and commits. A ``write()`` inside a ``read()`` is refused with ``WriteInReadError``
instead of silently upgrading a SQLite read lock, which another writer can make fail. Only the
task that opened a session reuses it: a task started inside a unit opens its own.

``write(work)`` runs ``work(session)`` in a write transaction and returns its result: the form
to use when the whole transaction is one function (the worker's apply step), so that it can be
handed to a thread of its own later without changing its callers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.engine import Database

T = TypeVar("T")

# Long CPU work waits this long at most for the process's write transaction to end: an API
# insert takes about 2 ms of SQL and a fsync.
CPU_WORK_WAIT_SECONDS = 0.05


class WriteInReadError(RuntimeError):
    """A write transaction was asked for inside a read-only unit of work."""


@dataclass(frozen=True, slots=True)
class _OpenUnit:
    database: Database
    session: AsyncSession
    is_write: bool
    task: asyncio.Task[object] | None


_OPEN: ContextVar[_OpenUnit | None] = ContextVar("sellers_center_open_unit", default=None)


class UnitOfWork:
    """Read and write transactions over one ``Database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; the one already open in this task when there is one."""
        current = self._current()
        if current is not None:
            yield current.session
            return
        async with self.database.read_session() as session, self._opened(session, False):
            yield session

    @overload
    def write(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]: ...

    @overload
    def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> Awaitable[T]: ...

    def write(
        self, work: Callable[[AsyncSession], Awaitable[T]] | None = None
    ) -> contextlib.AbstractAsyncContextManager[AsyncSession] | Awaitable[T]:
        """A write transaction: a block (``async with unit.write() as session``) or one
        function run in it (``await unit.write(work)``)."""
        if work is None:
            return self._write()
        return self._run_write(work)

    def long_write(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A write transaction whose statements may take long (purges, statistics): on SQLite
        they run on the driver's thread, so the event loop goes on meanwhile; a short one's run
        on the loop's (db/sqlite_driver.py)."""
        return self._write(long=True)

    async def _run_write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self._write() as session:
            return await work(session)

    @contextlib.asynccontextmanager
    async def _write(self, *, long: bool = False) -> AsyncIterator[AsyncSession]:
        current = self._current()
        if current is not None:
            if not current.is_write:
                raise WriteInReadError(
                    "a write transaction was asked for inside a read-only one: open the "
                    "write first (on SQLite, upgrading a read lock can fail under load)"
                )
            async with current.session.begin_nested():
                yield current.session
            return
        writes = self.database.write_session.begin(long=long)
        async with writes as session, self._opened(session, True):
            yield session

    async def before_cpu_work(self) -> None:
        """Call before long CPU work outside a transaction (validating a body): on SQLite it
        waits until no transaction of this process holds the write lock, so that the work
        does not hold it for every process (``WriterTurns.not_writing``), but no longer than
        ``CPU_WORK_WAIT_SECONDS``: a transaction that takes longer (a worker applying a large
        batch in the same process) is not worth the wait, and a request refused for its body
        is not kept waiting for it."""
        if self._current() is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CPU_WORK_WAIT_SECONDS):
                    await self.database.write_session.not_writing()

    def _current(self) -> _OpenUnit | None:
        current = _OPEN.get()
        if current is None or current.database is not self.database:
            return None
        return current if current.task is _task() else None

    @contextlib.asynccontextmanager
    async def _opened(self, session: AsyncSession, is_write: bool) -> AsyncIterator[None]:
        token = _OPEN.set(_OpenUnit(self.database, session, is_write, _task()))
        try:
            yield
        finally:
            _OPEN.reset(token)


def _task() -> asyncio.Task[object] | None:
    return asyncio.current_task()
