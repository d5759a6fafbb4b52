"""One app, built once, served with another runtime (``app_key``, ``bind_runtime``): what the
tests' shared app relies on."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sellers_center.app import app_key, bind_runtime, create_app
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center.settings import Settings, SettingsError
from tests import support
from tests.support import SellerKey

UNKNOWN_BATCH = uuid.UUID(int=1)


@pytest.fixture
async def second_runtime(
    settings: Settings, kinds: KindsFactory, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[Runtime]:
    folder = tmp_path / "second"
    folder.mkdir()
    url = support.copy_sqlite(sqlite_template, folder)
    runtime = Runtime.from_settings(settings.model_copy(update={"database_url": url}), kinds)
    yield runtime
    await runtime.database.dispose()


async def _answers(app: object, seller: SellerKey, path: str) -> int:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(path, headers=seller.headers)
    return response.status_code


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/products/", 200),  # a FastAPI route: the runtime comes from the app's state
        (f"/api/v1/results/products?batch_request_id={UNKNOWN_BATCH}", 404),  # the fast path
    ],
    ids=["fastapi-route", "results-route"],
)
async def test_a_bound_app_serves_the_new_runtimes_database(
    runtime: Runtime, second_runtime: Runtime, seller: SellerKey, path: str, status: int
) -> None:
    app = create_app(runtime)
    assert await _answers(app, seller, path) == status  # the seller exists here
    assert app_key(second_runtime) == app_key(runtime)

    bind_runtime(app, second_runtime)

    assert await _answers(app, seller, path) == 401  # and not in the second database
    bind_runtime(app, runtime)
    assert await _answers(app, seller, path) == status


@pytest.mark.parametrize(
    "change",
    [{"sandbox": True}, {"max_body_bytes": 1024}, {"request_body_timeout_seconds": 1.0}],
)
def test_settings_the_app_is_built_from_change_its_key(
    settings: Settings, kinds: KindsFactory, change: dict[str, object]
) -> None:
    first = Runtime.from_settings(settings, kinds)
    assert app_key(Runtime.from_settings(settings, kinds)) == app_key(first)
    assert app_key(Runtime.from_settings(settings.model_copy(update=change), kinds)) != app_key(
        first
    )


def test_the_kinds_served_are_part_of_the_key(settings: Settings, kinds: KindsFactory) -> None:
    assert app_key(Runtime.from_settings(settings)) != app_key(
        Runtime.from_settings(settings, kinds)
    )


def test_binding_checks_the_rate_limit_buckets(runtime: Runtime, settings: Settings) -> None:
    app = create_app(runtime)
    typo = settings.model_copy(update={"rate_limits": {"prodcts.submit": 5}})
    with pytest.raises(SettingsError, match=r"prodcts\.submit.*products\.submit"):
        bind_runtime(app, Runtime.from_settings(typo, lambda c, s: runtime.kinds))
