"""A standalone worker serving the tests' echo kind, configured by SELLERS_CENTER_* variables.

The crash test starts this as a real process and kills it; it is ``sellers-center worker`` with
the echo kind instead of the product kinds. With ``ECHO_HOLD_AFTER_ITEMS=N`` in its environment
it applies the first N items of a batch, logs ``HOLDING_LINE`` and then holds the batch's
transaction open until it is killed or cancelled: the test acts when the line appears instead of
guessing how long a batch takes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine.kind import BatchContext, BatchKind, ItemOutcome, KindRegistry
from sellers_center.engine.shutdown import run_until_signalled
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.engine import echo_kind

HOLD_VARIABLE = "ECHO_HOLD_AFTER_ITEMS"
HOLDING_LINE = "echo: holding the batch open"

log = logging.getLogger("tests.engine.run_worker")


def holding_kind(after_items: int) -> BatchKind:
    """The echo kind, stopping inside the batch's transaction after ``after_items`` items."""

    async def process(
        session: AsyncSession, context: BatchContext, items: Sequence[echo_kind.EchoItem]
    ) -> list[ItemOutcome]:
        await echo_kind.process(session, context, items[:after_items])
        log.info(HOLDING_LINE)
        await asyncio.Event().wait()  # never set: ends by SIGKILL or cancellation
        raise AssertionError("unreachable")

    return dataclasses.replace(echo_kind.build_echo_kind(), process=process)


def served_kind() -> BatchKind:
    hold = os.environ.get(HOLD_VARIABLE)
    return echo_kind.build_echo_kind() if hold is None else holding_kind(int(hold))


async def main() -> None:
    kind = served_kind()
    runtime = Runtime.from_settings(Settings(), lambda *_: KindRegistry.of([kind]))
    try:
        await run_until_signalled(runtime.worker())
    finally:
        await runtime.database.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(main())
