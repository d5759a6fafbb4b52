"""Webhook tests: a receiver in the test process, settings that let webhooks reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sellers_center.settings import Settings
from tests.webhooks.receiver import REACHES_RECEIVER, Receiver, running_receiver


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
        webhook_poll_seconds=0.02,
        **REACHES_RECEIVER,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()
