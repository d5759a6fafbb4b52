"""All SQL of the batch engine: ``batches`` (storing and finding a seller's batches, the
listing), ``queue`` (claims, leases, finishing, retries, retention) and ``keys`` (idempotency
keys). The verbs other engine modules use are importable from here."""

from sellers_center.engine.repository.batches import (
    BatchFilter,
    BatchSummary,
    ListPosition,
    find_batch,
    find_open_duplicate,
    find_summary,
    insert_batch,
    list_batches,
    load_payload,
)
from sellers_center.engine.repository.keys import (
    KEY_PURGE_CHUNK,
    StoredKey,
    bind_key,
    claim_key,
    find_key,
    purge_expired_keys,
)
from sellers_center.engine.repository.queue import (
    EXPIRY_CHUNK,
    PURGE_CHUNK,
    BatchRow,
    ClaimedBatch,
    claim_next,
    expired_leases,
    finish,
    purge_finished_before,
    queue_states,
    release_for_retry,
    renew_lease,
)

__all__ = [
    "EXPIRY_CHUNK",
    "KEY_PURGE_CHUNK",
    "PURGE_CHUNK",
    "BatchFilter",
    "BatchRow",
    "BatchSummary",
    "ClaimedBatch",
    "ListPosition",
    "StoredKey",
    "bind_key",
    "claim_key",
    "claim_next",
    "expired_leases",
    "find_batch",
    "find_key",
    "find_open_duplicate",
    "find_summary",
    "finish",
    "insert_batch",
    "list_batches",
    "load_payload",
    "purge_expired_keys",
    "purge_finished_before",
    "queue_states",
    "release_for_retry",
    "renew_lease",
]
