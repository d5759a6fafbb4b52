"""Every test here starts real processes of the production profile on PostgreSQL.

Marks are added here at collection (a conftest's ``pytestmark`` is ignored), so ``-m "not slow"``
leaves this folder out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import support
from tests.production.private_postgres import PrivatePostgres, private_postgres

FOLDER = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(FOLDER):
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def production_database() -> Iterator[str]:
    """A fresh database on the local PostgreSQL, migrated, with the demo catalogue; dropped
    afterwards."""
    url = support.create_postgres_database()
    yield url
    support.drop_postgres_database(url)


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the test's own, for tests that stop or restart the server."""
    with private_postgres() as server:
        yield server
