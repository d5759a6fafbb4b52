"""Wakes idle claim loops when work arrives, so pickup does not wait for the next poll."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    """An in-process signal; submitters call ``notify``, idle workers ``wait``."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def wait(self, at_most_seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), at_most_seconds)
        self._event.clear()
