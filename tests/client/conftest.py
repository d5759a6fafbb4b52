"""Fixtures of the SDK's tests: the service's own kinds only, as a seller's client sees them; the
app in-process and the async client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI

from sellers_center.kinds import build_kinds
from sellers_center.runtime import KindsFactory, Runtime
from sellers_center_client import AsyncClient
from tests import support
from tests.support import SellerKey

BASE_URL = "http://testserver"


@pytest.fixture
def kinds() -> KindsFactory:
    return build_kinds


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return support.app_of(runtime)


@pytest.fixture
async def sdk(app: FastAPI, runtime: Runtime, seller: SellerKey) -> AsyncIterator[AsyncClient]:
    """The async client; its waits between polls let the worker take one batch instead."""

    async def sleep(_: float) -> None:
        await runtime.worker().run_once()

    transport = httpx2.ASGITransport(app=app)
    async with AsyncClient(BASE_URL, seller.key, transport=transport, sleep=sleep) as client:
        yield client
