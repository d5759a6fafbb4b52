"""The whole answer to an unpaged results read, kept with a final batch's results in the result
cache (``engine/result_cache.py``, ``engine/service.py``): the bytes kept are those the view
joins without the cache, byte for byte, a page cut from the kept entry is the page cut from the
stored items, and the kept answer is found only under its own seller, kind and batch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import repository, service
from sellers_center.engine.repository.batches import StoredResult
from sellers_center.engine.result_cache import ResultCache
from sellers_center.engine.service import BatchResultView, ResultSelection
from sellers_center.engine.status import RequestStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RETENTION = timedelta(days=30)
SELLER, KIND = 7, "echo"
# Stored items as the worker writes them: spacing, escapes and numbers are sent as they are.
ITEMS = (
    b'[{"requestItem": {"value": "a\\u00e9"}, "success": true, "errors": []},'
    b' {"requestItem": {"value": 1.50}, "success": false, "errors": ["bad"]},'
    b'{"requestItem": {"value": "c"}, "success": true, "errors": []}]'
)
# No session is opened: ``repository.find_batch`` is replaced by one answering ``STORED``.
NO_SESSION = cast(AsyncSession, None)


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[uuid.UUID, StoredResult]:
    """Batches ``repository.find_batch`` finds, by id, whoever asks (the seller and kind are
    checked by the cache's key, which is what these tests are about)."""
    batches: dict[uuid.UUID, StoredResult] = {}

    async def find_batch(session: Any, *, batch_id: uuid.UUID, **_: Any) -> StoredResult | None:
        return batches.get(batch_id)

    monkeypatch.setattr(repository, "find_batch", find_batch)
    return batches


async def read(
    cache: ResultCache | None, batch_id: uuid.UUID, selection: ResultSelection | None = None
) -> BatchResultView:
    return await service.read_result(
        NO_SESSION,
        kind=KIND,
        seller_id=SELLER,
        batch_id=batch_id,
        selection=selection,
        cache=cache,
    )


@pytest.mark.parametrize("status", [RequestStatus.COMPLETED, RequestStatus.FAILED])
async def test_the_kept_answer_is_the_joined_one_byte_for_byte(
    stored: dict[uuid.UUID, StoredResult], status: RequestStatus
) -> None:
    batch_id = uuid.uuid4()
    stored[batch_id] = StoredResult(status, ITEMS, NOW)
    cache = ResultCache(RETENTION)

    uncached = (await read(None, batch_id)).to_json()
    first = (await read(cache, batch_id)).to_json()
    kept = service.cached_answer(cache, kind=KIND, seller_id=SELLER, batch_id=batch_id, now=NOW)
    view = service.cached_result(cache, kind=KIND, seller_id=SELLER, batch_id=batch_id, now=NOW)

    expected = (
        f'{{"batchRequestId":"{batch_id}","status":"{status.value}","items":'.encode()
        + ITEMS
        + b"}"
    )
    assert uncached == expected
    assert view is not None
    assert [first, kept, view.to_json()] == [expected] * 3
    assert view == BatchResultView(batch_id, status, ITEMS)
    assert cache.size_bytes == len(expected)


@pytest.mark.parametrize(
    "selection",
    [
        ResultSelection(only_failed=True),
        ResultSelection(offset=1, limit=1),
        ResultSelection(only_failed=True, offset=0, limit=5),
        ResultSelection(offset=9, limit=2),
    ],
)
async def test_a_selection_from_the_kept_answer_is_the_one_from_the_stored_items(
    stored: dict[uuid.UUID, StoredResult], selection: ResultSelection
) -> None:
    batch_id = uuid.uuid4()
    stored[batch_id] = StoredResult(RequestStatus.COMPLETED, ITEMS, NOW)
    cache = ResultCache(RETENTION)
    await read(cache, batch_id)  # keeps the answer
    pagination = b'{"page":1}'

    uncached = await read(None, batch_id, selection)
    from_database = await read(cache, batch_id, selection)
    cached = service.cached_result(
        cache, kind=KIND, seller_id=SELLER, batch_id=batch_id, now=NOW, selection=selection
    )

    assert cached is not None
    assert from_database == uncached
    assert cached == uncached
    for view in (from_database, cached):
        assert view.to_json() == uncached.to_json()
        assert view.to_json(pagination) == uncached.to_json(pagination)
        assert view.to_json(pagination).endswith(b',"pagination":{"page":1}}')


async def test_a_batch_not_final_is_answered_as_stored_and_nothing_is_kept(
    stored: dict[uuid.UUID, StoredResult],
) -> None:
    batch_id = uuid.uuid4()
    stored[batch_id] = StoredResult(RequestStatus.PROCESSING, None, None)
    cache = ResultCache(RETENTION)

    answer = (await read(cache, batch_id)).to_json()

    assert answer == f'{{"batchRequestId":"{batch_id}","status":"processing","items":[]}}'.encode()
    assert (
        service.cached_answer(cache, kind=KIND, seller_id=SELLER, batch_id=batch_id, now=NOW)
        is None
    )
    assert len(cache) == 0


async def test_the_kept_answer_is_found_only_under_its_seller_kind_and_batch(
    stored: dict[uuid.UUID, StoredResult],
) -> None:
    batch_id = uuid.uuid4()
    stored[batch_id] = StoredResult(RequestStatus.COMPLETED, ITEMS, NOW)
    cache = ResultCache(RETENTION)
    await read(cache, batch_id)

    def kept(seller_id: int, kind: str, batch: uuid.UUID) -> bytes | None:
        return service.cached_answer(cache, kind=kind, seller_id=seller_id, batch_id=batch, now=NOW)

    assert kept(SELLER, KIND, batch_id) is not None
    assert kept(SELLER + 1, KIND, batch_id) is None
    assert kept(SELLER, "stocks", batch_id) is None
    assert kept(SELLER, KIND, uuid.uuid4()) is None
    assert (
        service.cached_result(cache, kind=KIND, seller_id=SELLER + 1, batch_id=batch_id, now=NOW)
        is None
    )


def test_an_entry_keeps_its_items_between_head_and_tail_and_counts_them_all() -> None:
    cache = ResultCache(RETENTION, max_bytes=20)
    batch = (SELLER, KIND, uuid.uuid4())

    entry = cache.put(batch, RequestStatus.COMPLETED, b"[1,2]", NOW, head=b"<head>", tail=b"!")

    assert entry is not None
    assert (entry.body, entry.items) == (b"<head>[1,2]!", b"[1,2]")
    assert cache.get(batch, NOW) is entry
    assert cache.size_bytes == 12
    # Items that fit but not with their framing are not kept.
    too_big = (SELLER, KIND, uuid.uuid4())
    assert cache.put(too_big, RequestStatus.COMPLETED, b"x" * 15, NOW, head=b"<head>") is None
    assert cache.get(too_big, NOW) is None
    assert cache.size_bytes == 12
