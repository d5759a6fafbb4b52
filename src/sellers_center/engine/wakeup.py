"""Wakes idle claim loops when work arrives, so pickup does not wait for the next poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)


class Wakeup:
    """An in-process signal; submitters call ``notify``, idle workers ``wait``."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.generation = 0
        """How many times work was announced: a claim that found nothing is worth repeating
        only once it moved (``claimer.Claimer``)."""

    def notify(self) -> None:
        self.generation += 1
        self._event.set()

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
