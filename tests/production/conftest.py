"""Each test here gets its own migrated PostgreSQL database with the demo catalogue."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sellers_center.catalog import service as catalog
from sellers_center.db import Database
from tests import support

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def _load_demo_catalogue(url: str) -> None:
    database = Database(url)
    try:
        async with database.write_session.begin() as session:
            await catalog.import_document(session, catalog.demo_document())
    finally:
        await database.dispose()


@pytest.fixture
def production_database() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, with the demo catalogue; dropped afterwards."""
    url = support.create_postgres_database()
    asyncio.run(_load_demo_catalogue(url))
    yield url
    support.drop_postgres_database(url)
