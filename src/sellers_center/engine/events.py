"""What the engine tells webhooks: a batch of any kind became final (``batch.completed``,
``batch.failed``), in the transaction that makes it so (docs/api.md#webhooks)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine.status import RequestStatus
from sellers_center.webhooks import service as webhooks


async def batch_final(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID,
    seller_id: int,
    kind: str,
    status: RequestStatus,
    counts: tuple[int, int],
    now: datetime,
) -> None:
    """The event of a batch that became ``status`` with ``(succeeded, failed)`` items."""
    event = "batch.completed" if status is RequestStatus.COMPLETED else "batch.failed"
    message = {
        "kind": kind,
        "batch_id": str(batch_id),
        "status": status.value,
        "succeeded": counts[0],
        "failed": counts[1],
    }
    await webhooks.emit(session, seller_id, event, message, now)
