"""Wakes idle claim loops when work arrives, so pickup does not wait for the next poll.

In one process a submit wakes the claim loops directly. Across processes, PostgreSQL announces
every committed batch (``NotificationListener``); on SQLite the API processes of a ``serve``
send a datagram to one of its worker processes' sockets in turn (``DatagramListener``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)


class Wakeup:
    """An in-process signal; submitters call ``notify``, idle workers ``wait``. With
    ``announce``, ``notify`` also tells a worker in another process."""

    def __init__(self, announce: Callable[[], None] | None = None) -> None:
        self._event = asyncio.Event()
        self._announce = announce
        self.generation = 0
        """How many times work was announced: a claim that found nothing is worth repeating
        only once it moved (``claimer.Claimer``)."""

    def notify(self) -> None:
        self.generation += 1
        self._event.set()
        if self._announce is not None:
            self._announce()

    async def wait(self, at_most_seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), at_most_seconds)
        self._event.clear()


# Sent by a trigger for every inserted batch (migration 0005), at commit.
CHANNEL = "sellers_center_batches"
RECONNECT_MIN_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 15.0
# A connection that died without closing its socket is found by a probe this often.
PROBE_SECONDS = 15.0
# A probe or a close that takes longer than this means the connection is gone.
ANSWER_TIMEOUT_SECONDS = 5.0
# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "sellers-center-listener"


class NotificationListener:
    """Wakes a worker when any process commits a new batch (PostgreSQL LISTEN/NOTIFY).

    Holds one connection of its own, outside the pool. When it is lost (a database restart),
    it reconnects with a growing delay; meanwhile the workers' polling finds the work.
    """

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]]) -> None:
        self.connect = connect

    async def __call__(self, wakeup: Wakeup) -> None:
        delay = RECONNECT_MIN_SECONDS
        while True:
            try:
                await self._listen(wakeup)
                delay = RECONNECT_MIN_SECONDS  # it had worked: the next failure waits little
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning(
                    "batch notifications: %s; polling until reconnected in %g s",
                    type(error).__name__,
                    delay,
                )
            except Exception:
                log.exception("batch notifications failed; polling until reconnected")
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _listen(self, wakeup: Wakeup) -> None:
        """Listen until the connection is lost."""
        connection = await self.connect()
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        try:
            await connection.add_listener(CHANNEL, lambda *_: wakeup.notify())
            # Batches committed while nobody listened: look now rather than at the next poll.
            wakeup.notify()
            log.info("batch notifications: listening on %s", CHANNEL)
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), PROBE_SECONDS)
                if not lost.is_set():
                    await connection.fetchval("SELECT 1", timeout=ANSWER_TIMEOUT_SECONDS)
            log.warning("batch notifications: connection lost; reconnecting")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), ANSWER_TIMEOUT_SECONDS)


# Where ``serve`` tells its API processes the sockets of its worker processes (joined with
# ``os.pathsep``): internal, so outside the settings' names (which refuse a variable they do
# not know).
SOCKET_VARIABLE = "_SELLERS_CENTER_WORKER_SOCKET"
# Datagrams read per wake-up at most: a burst of submits is one wake-up, not one per batch.
DATAGRAMS_PER_WAKEUP = 256


class DatagramAnnouncer:
    """Sends one empty datagram per call to one of the worker processes' sockets, each in turn
    (``paths``: the sockets joined with ``os.pathsep``), never blocking and never failing: a
    worker not listening yet (starting, restarting) finds the batch at its first claim, and a
    full socket buffer already holds wake-ups it has not read. A socket nobody listens on, or
    whose buffer is full, is passed over for the next.

    One worker per batch, not all: each woken worker claims, and on SQLite a claim that finds
    nothing is still a write transaction, which every other writer waits for. A worker busy
    with a batch claims the next one in that batch's transaction, as it ends (meanwhile the
    other may be idle: the price of not waking both)."""

    def __init__(self, paths: str) -> None:
        self.paths = [path for path in paths.split(os.pathsep) if path]
        self._next = 0
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def __call__(self) -> None:
        # Past a worker not listening (restarting) or behind (its buffer full of wake-ups it
        # has not read), to the next.
        for _ in self.paths:
            path = self.paths[self._next % len(self.paths)]
            self._next += 1
            with contextlib.suppress(OSError):
                self._socket.sendto(b"", path)
                return

    def close(self) -> None:
        self._socket.close()


class DatagramListener:
    """Wakes a worker when an API process of the same ``serve`` accepts a batch (SQLite).

    Binds the socket at ``path`` (replacing a stale one) for as long as it runs.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    async def __call__(self, wakeup: Wakeup) -> None:
        with contextlib.suppress(OSError):  # none there, or a path bind refuses below
            os.unlink(self.path)
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        loop = asyncio.get_running_loop()
        try:
            try:
                receiver.bind(self.path)
            except OSError as error:
                log.error("batch wake-ups: cannot listen on %s (%s); polling", self.path, error)
                return
            receiver.setblocking(False)
            loop.add_reader(receiver.fileno(), _drain, receiver, wakeup)
            # Batches accepted before the socket existed: look now rather than at the next poll.
            wakeup.notify()
            await asyncio.Future()  # until cancelled
        finally:
            loop.remove_reader(receiver.fileno())
            receiver.close()
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _drain(receiver: socket.socket, wakeup: Wakeup) -> None:
    for _ in range(DATAGRAMS_PER_WAKEUP):
        try:
            receiver.recv(1)
        except (BlockingIOError, InterruptedError):
            break
    wakeup.notify()
