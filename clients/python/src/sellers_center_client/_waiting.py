"""What ``batches.wait`` waits for and the error it ends with, shared by both clients."""

from __future__ import annotations

import uuid
from typing import Any

from sellers_center_client._batch import BatchRef, BatchResult, Kind
from sellers_center_client._errors import BatchWaitTimeout, InvalidRequest
from sellers_center_client._kind import KindSpec, kind_spec
from sellers_center_client._operations import BatchId, as_batch_id

# A products batch of 100 items is final in well under a second on an idle server; a saturated
# one took up to 14 s at the 99th percentile (README, Performance). Five minutes leaves room for
# a long queue without hanging a script forever.
DEFAULT_WAIT_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 0.5


def wait_target(
    batch: BatchRef[Any] | BatchId, kind: Kind | None
) -> tuple[KindSpec[Any], uuid.UUID]:
    """The kind and id to poll, from a ``BatchRef`` or from an id and its kind."""
    if isinstance(batch, BatchRef):
        if kind is not None and kind != batch.kind:
            raise InvalidRequest(f"The batch is a {batch.kind} batch, not {kind}")
        return kind_spec(batch.kind), batch.batch_id
    if kind is None:
        raise InvalidRequest("Give the batch's kind with a bare batch id: wait(id, kind=...)")
    return kind_spec(kind), as_batch_id(batch)


def wait_timeout(
    spec: KindSpec[Any], batch_id: uuid.UUID, last: BatchResult[Any], timeout: float
) -> BatchWaitTimeout:
    status = str(last.status)
    return BatchWaitTimeout(
        f"The {spec.name} batch {batch_id} is still {status} after {timeout:g} s",
        kind=spec.name,
        batch_id=batch_id,
        last_status=status,
    )
