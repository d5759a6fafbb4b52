"""Fixtures: a migrated database holding the demo catalogue per test (SQLite always, PostgreSQL
where asked), the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from sellers_center.clock import ManualClock
from sellers_center.engine.kind import KindRegistry
from sellers_center.kinds import build_kinds
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings
from tests import support
from tests.engine.echo_kind import build_echo_kind
from tests.support import SellerKey

pytest_plugins = ("tests.markers",)  # slow marks, the process guard, worker groups


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return support.make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    url = support.create_postgres_database()
    yield url
    support.drop_postgres_database(url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis; skipped without it, a failure under CI=true."""
    return support.require_redis()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; SQLite unless parametrised with ``BOTH_BACKENDS``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> str:
    if backend == "sqlite":
        return support.copy_sqlite(sqlite_template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    support.reset_postgres(url, extra_tables=support.EXTRA_TABLES)
    return url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        lease_seconds=30,
        max_attempts=3,
        retry_backoff_seconds=1,
        worker_poll_seconds=0.05,
        rate_limits_enabled=True,
        rate_limits={},
    )


@pytest.fixture
def kinds() -> KindsFactory:
    """The service's own kinds plus the tests' echo kind."""
    return lambda catalog, settings: KindRegistry.of(
        [*build_kinds(catalog, settings), build_echo_kind()]
    )


@pytest.fixture
async def runtime(
    settings: Settings, kinds: KindsFactory, clock: ManualClock
) -> AsyncIterator[Runtime]:
    runtime = Runtime.from_settings(settings, kinds)
    runtime.clock = clock
    yield runtime
    await runtime.database.dispose()


@pytest.fixture
def demo_catalogue() -> None:
    """The demo catalogue at version 1: every test database starts with it (the templates hold
    it), so this only names the precondition."""


@pytest.fixture
async def empty_catalogue(runtime: Runtime) -> None:
    """No catalogue at all (version 0), as in a database just migrated."""
    await support.empty_catalogue(runtime.database)


@pytest.fixture
async def seller(runtime: Runtime, demo_catalogue: None) -> SellerKey:
    return await support.make_seller(runtime.database, "seller-a", runtime.clock.now())


@pytest.fixture
async def other_seller(runtime: Runtime, demo_catalogue: None) -> SellerKey:
    return await support.make_seller(runtime.database, "seller-b", runtime.clock.now())


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process (no worker runs; tests drive it)."""
    transport = httpx.ASGITransport(app=support.app_of(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
