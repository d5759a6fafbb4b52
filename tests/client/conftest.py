"""Fixtures of the SDK's tests: the service's own kinds only, as a seller's client sees them."""

from __future__ import annotations

import pytest

from sellers_center.kinds import build_kinds
from sellers_center.runtime import KindsFactory


@pytest.fixture
def kinds() -> KindsFactory:
    return build_kinds
