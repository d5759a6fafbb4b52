"""The batch kinds this version of the service serves.

Each domain contributes its kind here; the engine, the HTTP layer and the workers take the
registry from this one function, so a kind added here is submitted, processed and read back
everywhere at once.
"""

from __future__ import annotations

from sellers_center.engine.kind import KindRegistry


def build_kinds() -> KindRegistry:
    return KindRegistry.of([])
