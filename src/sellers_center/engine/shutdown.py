"""Running a standalone worker until its operator stops it (SIGTERM, SIGINT)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from sellers_center.engine.worker import Worker

log = logging.getLogger(__name__)


async def run_until_signalled(worker: Worker) -> None:
    """Run a standalone worker. SIGTERM or SIGINT stops claiming and lets held batches finish
    (within the shutdown grace period); a second one gives them back at once."""
    loop = asyncio.get_running_loop()
    running = asyncio.current_task()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            log.info("stopping: finishing the batches in hand (signal again to give them back)")
            worker.stop()
        elif running is not None:
            running.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    with contextlib.suppress(asyncio.CancelledError):
        await worker.run()
