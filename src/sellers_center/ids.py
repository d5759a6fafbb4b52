"""Batch ids are UUIDv7: time-ordered like the live service's, opaque to clients."""

from __future__ import annotations

import uuid

import uuid6


def new_batch_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
