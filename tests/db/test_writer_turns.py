"""SQLite's writers take turns between processes on a lock file (``db/engine.py``,
``WriterTurns``): each process's turns stand for another process's here, on their own
descriptors of the same file, as two processes' would."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sellers_center.db.engine import Database, WriterTurns
from sellers_center.db.unit import UnitOfWork

# A bound, not an expectation.
TURN_SECONDS = 10


def is_locked(path: Path) -> bool:
    """Whether some descriptor holds the file's lock (probed with a descriptor of our own)."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


async def test_a_turn_waits_for_another_process_turn_and_follows_it(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite-writer"
    api, worker = WriterTurns(str(path)), WriterTurns(str(path))
    order: list[str] = []
    worker_entered = asyncio.Event()

    async def worker_turn() -> None:
        async with worker():
            order.append("worker")
            worker_entered.set()

    async with api():
        assert is_locked(path)
        waiting = asyncio.create_task(worker_turn())
        # The other turn is blocked on the lock (in a thread) until this one ends.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(worker_entered.wait()), 0.2)
        order.append("api")
    async with asyncio.timeout(TURN_SECONDS):
        await waiting
    assert order == ["api", "worker"]
    assert not is_locked(path)


async def until_unlocked(path: Path) -> None:
    """The lock is let go from a thread, whenever it gets it: wait for that, within a bound
    (another process's file lock has no event to wait on)."""
    async with asyncio.timeout(TURN_SECONDS):
        while is_locked(path):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_cancelled_wait_leaves_the_lock_free_once_it_is_released(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite-writer"
    holder, cancelled, later = (WriterTurns(str(path)) for _ in range(3))

    async def wait_for_turn() -> None:
        async with cancelled():
            raise AssertionError("a cancelled wait must not run its block")

    async with holder():
        waiting = asyncio.create_task(wait_for_turn())
        await asyncio.sleep(0)  # it runs up to its wait for the lock
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    # Whether the cancelled wait's thread got the lock before or after ``later``, it lets it go.
    async with asyncio.timeout(TURN_SECONDS), later():
        assert is_locked(path)
    await until_unlocked(path)


async def test_a_writer_that_waited_too_long_goes_on_without_the_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite-writer"
    holder, impatient = WriterTurns(str(path)), WriterTurns(str(path), wait_seconds=0.05)
    entered = []
    async with holder(), asyncio.timeout(TURN_SECONDS), impatient():
        entered.append("impatient")  # SQLite's busy timeout decides from here
    assert entered == ["impatient"]
    await until_unlocked(path)


async def test_a_writer_that_cannot_open_the_file_goes_on_without_it(tmp_path: Path) -> None:
    turns = WriterTurns(str(tmp_path / "missing-folder" / "db.sqlite-writer"))
    async with asyncio.timeout(TURN_SECONDS), turns():
        pass


async def test_a_write_transaction_holds_the_lock_file_beside_its_database(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    lock_file = tmp_path / "db.sqlite-writer"
    try:
        async with database.write_session.begin() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            assert is_locked(lock_file)
        assert not is_locked(lock_file)
        async with database.read_session() as session:
            assert not is_locked(lock_file)
            await session.execute(text("SELECT count(*) FROM t"))
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def write_held(unit: UnitOfWork) -> AsyncIterator[None]:
    """Another task of this process inside a write transaction for the block."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with unit.write():
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def test_cpu_work_waits_for_the_process_write_transaction_to_end(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    unit = UnitOfWork(database)
    try:
        async with write_held(unit):
            waiting = asyncio.create_task(unit.before_cpu_work())
            for _ in range(3):
                await asyncio.sleep(0)
            assert not waiting.done()  # the transaction still holds the write lock
        async with asyncio.timeout(TURN_SECONDS):
            await waiting
    finally:
        await database.dispose()


async def test_cpu_work_waits_for_a_long_write_transaction_a_little_only(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    unit = UnitOfWork(database)
    try:
        async with write_held(unit), asyncio.timeout(TURN_SECONDS):
            await unit.before_cpu_work()  # returns while the transaction still runs
            assert is_locked(tmp_path / "db.sqlite-writer")
    finally:
        await database.dispose()
