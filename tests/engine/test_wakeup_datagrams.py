"""Wake-ups between ``serve``'s API processes and its worker processes on SQLite
(``engine/wakeup.py``): a notify in one process wakes another's claim loops once per burst, each
notify wakes one worker process in turn, and an API process never fails a submit because a
worker is not listening."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sellers_center.engine.wakeup import DatagramAnnouncer, DatagramListener, Wakeup

# A bound, not an expectation.
WAKE_SECONDS = 10


@contextlib.asynccontextmanager
async def listening(path: Path, wakeup: Wakeup) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(DatagramListener(str(path))(wakeup))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def generation_past(wakeup: Wakeup, generation: int) -> int:
    """Wait until ``wakeup`` was notified after ``generation``; its generation then."""
    async with asyncio.timeout(WAKE_SECONDS):
        while wakeup.generation == generation:
            await wakeup.wait(WAKE_SECONDS)
    return wakeup.generation


async def test_an_api_process_notify_wakes_the_worker_process(tmp_path: Path) -> None:
    path = tmp_path / "wakeup"
    worker_side = Wakeup()
    announce = DatagramAnnouncer(str(path))
    api_side = Wakeup(announce)
    async with listening(path, worker_side):
        # Listening announces once on its own: batches may have come before the socket did.
        listened = await generation_past(worker_side, 0)
        assert listened == 1

        api_side.notify()
        assert await generation_past(worker_side, listened) == listened + 1
        assert api_side.generation == 1
    announce.close()


async def test_a_burst_of_notifies_is_read_as_few_wake_ups(tmp_path: Path) -> None:
    path = tmp_path / "wakeup"
    worker_side = Wakeup()
    announce = DatagramAnnouncer(str(path))
    async with listening(path, worker_side):
        listened = await generation_past(worker_side, 0)
        for _ in range(100):
            announce()
        woken = await generation_past(worker_side, listened)
        # Sent before the loop ran the listener once: one read drains what the socket kept
        # (Linux keeps 10 by default and drops the rest, which is as good: one is enough).
        assert woken == listened + 1
    announce.close()


async def test_notifying_without_a_listener_neither_fails_nor_blocks(tmp_path: Path) -> None:
    announce = DatagramAnnouncer(str(tmp_path / "nobody"))
    missing = Wakeup(announce)
    missing.notify()
    assert missing.generation == 1
    announce.close()


async def test_the_listener_replaces_a_stale_socket_and_removes_its_own(tmp_path: Path) -> None:
    path = tmp_path / "wakeup"
    path.write_bytes(b"")  # left by a worker process that was killed
    worker_side = Wakeup()
    async with listening(path, worker_side):
        await generation_past(worker_side, 0)
        assert path.is_socket()
    assert not path.exists()


async def test_a_socket_it_cannot_bind_leaves_the_worker_polling(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ("x" * 200)  # longer than a Unix socket's address may be
    await DatagramListener(str(path))(Wakeup())  # returns instead of listening
    assert "batch wake-ups: cannot listen on" in caplog.text


@contextlib.contextmanager
def bound(path: Path) -> Iterator[socket.socket]:
    """A socket receiving at ``path``, as a worker process's listener binds it."""
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.setblocking(False)
    try:
        yield receiver
    finally:
        receiver.close()


def received(receiver: socket.socket) -> int:
    count = 0
    with contextlib.suppress(BlockingIOError):
        while True:
            receiver.recv(1)
            count += 1
    return count


def test_each_notify_wakes_one_worker_process_in_turn(tmp_path: Path) -> None:
    first, second = tmp_path / "wakeup-0", tmp_path / "wakeup-1"
    announce = DatagramAnnouncer(f"{first}{os.pathsep}{second}")
    with bound(first) as one, bound(second) as two:
        seen = []
        for _ in range(4):
            announce()
            seen.append((received(one), received(two)))
    announce.close()

    assert seen == [(1, 0), (0, 1), (1, 0), (0, 1)]


@pytest.mark.parametrize("left", ["no socket yet", "a killed worker's socket"])
def test_a_worker_process_not_listening_is_passed_over(tmp_path: Path, left: str) -> None:
    restarting, listening_path = tmp_path / "wakeup-0", tmp_path / "wakeup-1"
    if left == "a killed worker's socket":
        with bound(restarting):
            pass  # closed, its file left behind: sending to it is refused
        assert restarting.is_socket()
    announce = DatagramAnnouncer(f"{restarting}{os.pathsep}{listening_path}")
    with bound(listening_path) as receiver:
        for _ in range(3):
            announce()
        assert received(receiver) == 3
    announce.close()


def test_a_worker_process_behind_on_its_wake_ups_is_passed_over(tmp_path: Path) -> None:
    behind, other = tmp_path / "wakeup-0", tmp_path / "wakeup-1"
    announce = DatagramAnnouncer(f"{behind}{os.pathsep}{other}")
    with bound(behind) as unread, bound(other) as receiver:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as filler:
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                while True:  # until its buffer is full
                    filler.sendto(b"", str(behind))
        for _ in range(2):
            announce()

        assert received(receiver) == 2
        assert received(unread) > 0  # what the filler left, read at last
    announce.close()
