"""Every test here starts real processes of the production profile on PostgreSQL (marked
``slow`` and ``postgres`` by ``tests/markers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import support
from tests.production.private_postgres import PrivatePostgres, private_postgres


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
