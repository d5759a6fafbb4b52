"""The claims a worker process's idle loops make: one at a time, and none while nothing new can
have arrived. (A loop with work in hand claims its next batch in that batch's own transaction,
outside these turns: ``Worker._process``.)

Every new batch wakes all of a process's claim loops. Each used to claim at once: on SQLite
every claim is a write transaction (``BEGIN IMMEDIATE``, the claiming UPDATE, ``COMMIT``) that
takes the process's writer turn and the database's write lock, so one batch cost 7.6 empty
claims, and the batch being applied waited for them (400 of 948 ms with one client, measured
in issue 14's profile). Here the loops take turns, and a loop whose turn comes after a claim
that found nothing does not claim again until work is announced (``Wakeup.generation``
moved) or a poll interval has passed (work another process added without telling this one,
a retry whose backoff ended).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sellers_center.engine.wakeup import Wakeup

T = TypeVar("T")


class Claimer(Generic[T]):
    def __init__(
        self,
        claim: Callable[[], Awaitable[T | None]],
        wakeup: Wakeup,
        poll_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._claim = claim
        self.wakeup = wakeup
        self.poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._turn = asyncio.Lock()
        self._found_nothing: tuple[int, float] | None = None
        """The announcement count and the time of the last claim that found nothing."""

    async def next(self) -> T | None:
        """A claimed batch; None when there was none, or when nothing new can have come since
        the last claim found none."""
        async with self._turn:
            if self._is_pointless():
                return None
            self._found_nothing = None
            generation = self.wakeup.generation
            claimed = await self._claim()
            if claimed is None:
                self._found_nothing = (generation, self._monotonic())
            return claimed

    def found_nothing(self, generation: int) -> None:
        """A claim made elsewhere (in a batch's own transaction) found nothing, as of the
        announcement count ``generation`` read before it: the next claim waits as after one of
        its own."""
        self._found_nothing = (generation, self._monotonic())

    def _is_pointless(self) -> bool:
        if self._found_nothing is None:
            return False
        generation, at = self._found_nothing
        fresh = self._monotonic() - at < self.poll_seconds
        return generation == self.wakeup.generation and fresh
