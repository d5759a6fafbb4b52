"""The final results a process keeps (``engine/result_cache.py``): bounded by the bytes they
hold, least recently read out first, never served from their batch's retention end on, and
never holding a batch that is not final."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sellers_center.engine.result_cache import CacheKey, ResultCache
from sellers_center.engine.status import RequestStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RETENTION = timedelta(days=30)


def key(seller_id: int = 1) -> CacheKey:
    return (seller_id, "echo", uuid.uuid4())


def test_the_least_recently_read_goes_first_when_the_bytes_run_over() -> None:
    cache = ResultCache(RETENTION, max_bytes=25)
    first, second, third = key(), key(), key()
    cache.put(first, RequestStatus.COMPLETED, b"a" * 10, NOW)
    cache.put(second, RequestStatus.COMPLETED, b"b" * 10, NOW)
    assert cache.get(first, NOW) is not None  # now the most recently read

    cache.put(third, RequestStatus.FAILED, b"c" * 10, NOW)

    assert cache.get(second, NOW) is None
    assert [cache.get(k, NOW) is not None for k in (first, third)] == [True, True]
    assert (len(cache), cache.size_bytes) == (2, 20)


def test_results_larger_than_the_whole_cache_are_not_kept() -> None:
    cache = ResultCache(RETENTION, max_bytes=25)
    kept = key()
    cache.put(kept, RequestStatus.COMPLETED, b"k" * 10, NOW)

    cache.put(key(), RequestStatus.COMPLETED, b"x" * 26, NOW)

    assert (len(cache), cache.size_bytes) == (1, 10)
    assert cache.get(kept, NOW) is not None


def test_putting_a_batch_again_replaces_it_and_counts_its_bytes_once() -> None:
    cache = ResultCache(RETENTION, max_bytes=100)
    batch = key()
    cache.put(batch, RequestStatus.COMPLETED, b"a" * 10, NOW)
    cache.put(batch, RequestStatus.COMPLETED, b"b" * 20, NOW)

    found = cache.get(batch, NOW)

    assert found is not None
    assert found.items == b"b" * 20
    assert (len(cache), cache.size_bytes) == (1, 20)


def test_an_entry_is_served_until_its_batchs_retention_ends() -> None:
    cache = ResultCache(RETENTION)
    batch = key()
    finished = NOW - timedelta(days=1)
    cache.put(batch, RequestStatus.COMPLETED, b"[]", finished)

    assert cache.get(batch, finished + RETENTION - timedelta(microseconds=1)) is not None
    assert cache.get(batch, finished + RETENTION) is None
    assert (len(cache), cache.size_bytes) == (0, 0)


def test_a_batch_not_final_is_never_kept() -> None:
    cache = ResultCache(RETENTION)
    for status in (RequestStatus.PENDING, RequestStatus.PROCESSING, RequestStatus.RETRY):
        cache.put(key(), status, b"[]", NOW)

    assert len(cache) == 0


def test_another_sellers_read_of_the_same_batch_finds_nothing() -> None:
    cache = ResultCache(RETENTION)
    seller, batch_id = 1, uuid.uuid4()
    cache.put((seller, "echo", batch_id), RequestStatus.COMPLETED, b"[]", NOW)

    assert cache.get((2, "echo", batch_id), NOW) is None
    assert cache.get((seller, "stocks", batch_id), NOW) is None
    assert cache.get((seller, "echo", batch_id), NOW) is not None
