"""A standalone worker serving the tests' echo kind, configured by SELLERS_CENTER_* variables.

The crash test starts this as a real process and kills it; it is ``sellers-center worker`` with
the echo kind instead of the product kinds.
"""

from __future__ import annotations

import asyncio
import logging

from sellers_center.engine.kind import KindRegistry
from sellers_center.engine.shutdown import run_until_signalled
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.engine.echo_kind import build_echo_kind


async def main() -> None:
    runtime = Runtime.from_settings(Settings(), lambda *_: KindRegistry.of([build_echo_kind()]))
    try:
        await run_until_signalled(runtime.worker())
    finally:
        await runtime.database.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(main())
