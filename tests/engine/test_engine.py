"""The batch engine on both databases: submit, dedup, claim, lease, retry, failure, retention."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest

from sellers_center.clock import ManualClock
from sellers_center.engine import repository, service
from sellers_center.engine.maintenance import WORKER_LOST
from sellers_center.engine.status import RequestStatus
from sellers_center.errors import NotFoundError
from sellers_center.runtime import Runtime
from tests.engine.helpers import batch_count, batch_row, effects, result, submit
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

THREE_ITEMS = {"items": [{"value": "a"}, {"value": "bad"}, {"value": "c"}]}


async def test_submitted_batch_is_pending_with_no_items(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())

    assert await result(runtime.database, seller.seller_id, batch_id) == {
        "batchRequestId": str(batch_id),
        "status": "pending",
        "items": [],
    }
    assert batch_id.version == 7


async def test_completed_batch_answers_one_result_per_item_in_order(
    runtime: Runtime, seller: SellerKey
) -> None:
    body = b'{"items": [{"value": "a", "extra": 1.50}, {"value": "bad"}, {"value": "c"}]}'
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())

    assert await runtime.worker().run_once() is True

    assert await result(runtime.database, seller.seller_id, batch_id) == {
        "batchRequestId": str(batch_id),
        "status": "completed",
        "items": [
            {"requestItem": {"value": "a", "extra": 1.50}, "success": True, "errors": []},
            {
                "requestItem": {"value": "bad"},
                "success": False,
                "errors": ["Value 'bad' is refused"],
            },
            {"requestItem": {"value": "c"}, "success": True, "errors": []},
        ],
    }
    assert await effects(runtime.database, batch_id) == [(0, "a"), (2, "c")]
    row = await batch_row(runtime.database, batch_id)
    assert (row.attempts, row.dedup_key, row.lease_owner) == (1, None, None)


async def test_identical_payload_while_open_returns_the_same_id(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    now = runtime.clock.now()
    first = await submit(runtime.database, seller.seller_id, THREE_ITEMS, now)

    assert await submit(runtime.database, seller.seller_id, THREE_ITEMS, now) == first
    assert await submit(runtime.database, other_seller.seller_id, THREE_ITEMS, now) != first
    changed = {"items": [{"value": "a"}]}
    assert await submit(runtime.database, seller.seller_id, changed, now) != first
    assert await batch_count(runtime.database) == 3


async def test_identical_payload_after_completion_is_a_new_batch(
    runtime: Runtime, seller: SellerKey
) -> None:
    first = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())
    await runtime.worker().run_once()

    second = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())

    assert second != first
    assert (await result(runtime.database, seller.seller_id, second))["status"] == "pending"


async def test_results_are_scoped_to_seller_and_kind(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())

    async with runtime.database.read_session() as session:
        for seller_id, kind, wanted in [
            (other_seller.seller_id, "echo", batch_id),
            (seller.seller_id, "products", batch_id),
            (seller.seller_id, "echo", uuid.uuid4()),
        ]:
            with pytest.raises(NotFoundError, match=r"^Batch request not found$"):
                await service.read_result(session, kind=kind, seller_id=seller_id, batch_id=wanted)


async def test_claimed_batch_is_processing_and_not_claimed_twice(
    runtime: Runtime, seller: SellerKey
) -> None:
    now = runtime.clock.now()
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, now)
    lease_until = now + timedelta(seconds=30)

    async with runtime.database.write_session.begin() as session:
        claimed = await repository.claim_next(session, owner="w1", now=now, lease_until=lease_until)
    async with runtime.database.write_session.begin() as session:
        again = await repository.claim_next(session, owner="w2", now=now, lease_until=lease_until)

    assert claimed is not None
    assert (claimed.id, claimed.attempts, again) == (batch_id, 1, None)
    assert (await result(runtime.database, seller.seller_id, batch_id))["status"] == "processing"


async def test_concurrent_claims_never_share_a_batch(runtime: Runtime, seller: SellerKey) -> None:
    now = runtime.clock.now()
    submitted = {
        await submit(runtime.database, seller.seller_id, {"items": [{"value": str(n)}]}, now)
        for n in range(12)
    }

    async def claim(owner: str) -> uuid.UUID | None:
        async with runtime.database.write_session.begin() as session:
            claimed = await repository.claim_next(
                session, owner=owner, now=now, lease_until=now + timedelta(seconds=30)
            )
        return None if claimed is None else claimed.id

    claimed = await asyncio.gather(*(claim(f"w{n}") for n in range(16)))

    taken = [batch_id for batch_id in claimed if batch_id is not None]
    assert sorted(taken) == sorted(submitted)


async def test_lease_is_renewed_only_by_its_owner(runtime: Runtime, seller: SellerKey) -> None:
    now = runtime.clock.now()
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, now)
    async with runtime.database.write_session.begin() as session:
        await repository.claim_next(
            session, owner="w1", now=now, lease_until=now + timedelta(seconds=30)
        )
    later = now + timedelta(seconds=60)

    async with runtime.database.write_session.begin() as session:
        by_owner = await repository.renew_lease(
            session, batch_id=batch_id, owner="w1", lease_until=later
        )
        by_other = await repository.renew_lease(
            session, batch_id=batch_id, owner="w2", lease_until=later
        )

    assert (by_owner, by_other) == (True, False)
    assert (await batch_row(runtime.database, batch_id)).lease_expires_at == later


async def test_expired_lease_goes_to_retry_and_is_processed_once(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    now = runtime.clock.now()
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, now)
    async with runtime.database.write_session.begin() as session:
        await repository.claim_next(
            session, owner="lost", now=now, lease_until=now + timedelta(seconds=30)
        )

    worker = runtime.worker()
    await worker.run_maintenance()
    assert (await batch_row(runtime.database, batch_id)).status == RequestStatus.PROCESSING

    clock.advance(31)
    await worker.run_maintenance()
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.lease_owner, row.last_error) == ("retry", None, WORKER_LOST)
    assert (await result(runtime.database, seller.seller_id, batch_id))["status"] == "retry"

    assert await worker.run_once() is True
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts) == ("completed", 2)
    assert await effects(runtime.database, batch_id) == [(0, "a"), (2, "c")]


async def test_a_worker_that_lost_its_lease_cannot_finish(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    now = runtime.clock.now()
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, now)
    async with runtime.database.write_session.begin() as session:
        await repository.claim_next(
            session, owner="slow", now=now, lease_until=now + timedelta(seconds=30)
        )
    clock.advance(31)
    worker = runtime.worker()
    await worker.run_maintenance()
    await worker.run_once()
    completed = await result(runtime.database, seller.seller_id, batch_id)

    async with runtime.database.write_session.begin() as session:
        finished = await repository.finish(
            session,
            batch_id=batch_id,
            owner="slow",
            status=RequestStatus.COMPLETED,
            items=b"[]",
            counts=(0, 0),
            now=runtime.clock.now(),
        )

    assert finished is False
    assert await result(runtime.database, seller.seller_id, batch_id) == completed


async def test_infrastructure_trouble_is_retried_with_backoff_then_fails_in_plain_words(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    body = {"items": [{"value": "a"}, {"value": "unavailable"}]}
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())
    worker = runtime.worker()

    assert await worker.run_once() is True
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts) == ("retry", 1)
    # For operators: the exception's first line; its SQL and parameters are only in the log.
    assert row.last_error == "OperationalError: (builtins.ConnectionResetError) reset by peer"
    assert await worker.run_once() is False  # backing off: 1 s after the first attempt

    clock.advance(1)
    assert await worker.run_once() is True
    assert (await batch_row(runtime.database, batch_id)).status == "retry"
    clock.advance(1)
    assert await worker.run_once() is False  # the second wait is 2 s
    clock.advance(1)
    assert await worker.run_once() is True

    reason = (
        "The batch could not be processed after 3 attempts (last error: a temporary problem "
        "on our side); submit it again"
    )
    assert await result(runtime.database, seller.seller_id, batch_id) == {
        "batchRequestId": str(batch_id),
        "status": "failed",
        "items": [
            {"requestItem": {"value": "a"}, "success": False, "errors": [reason]},
            {"requestItem": {"value": "unavailable"}, "success": False, "errors": [reason]},
        ],
    }
    assert await effects(runtime.database, batch_id) == []


async def test_lease_expiring_on_the_last_attempt_fails_the_batch(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())
    worker = runtime.worker()
    for attempt in range(1, 4):
        now = runtime.clock.now()
        async with runtime.database.write_session.begin() as session:
            claimed = await repository.claim_next(
                session, owner=f"lost-{attempt}", now=now, lease_until=now + timedelta(seconds=30)
            )
        assert claimed is not None
        assert claimed.attempts == attempt
        clock.advance(60)
        await worker.run_maintenance()

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "failed"
    reason = (
        f"The batch could not be processed after 3 attempts (last error: {WORKER_LOST}); "
        "submit it again"
    )
    assert [item["errors"] for item in stored["items"]] == [[reason]] * 3


async def test_a_batch_of_an_unserved_kind_fails_after_its_attempts(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    body = json.dumps({"items": [{"value": "a"}]}).encode()
    async with runtime.database.write_session.begin() as session:
        submission = await service.submit(
            session,
            kind="retired",
            seller_id=seller.seller_id,
            body=body,
            item_count=1,
            now=runtime.clock.now(),
        )
    batch_id = submission.batch_id
    worker = runtime.worker()
    for _ in range(3):
        assert await worker.run_once() is True
        clock.advance(10)

    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "batch kind 'retired' is not served by this worker" in (row.last_error or "")


async def test_final_batches_are_purged_after_retention(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    batch_id = await submit(runtime.database, seller.seller_id, THREE_ITEMS, runtime.clock.now())
    open_id = await submit(
        runtime.database, seller.seller_id, {"items": [{"value": "z"}]}, runtime.clock.now()
    )
    worker = runtime.worker()
    await worker.run_once()
    async with runtime.database.write_session.begin() as session:
        # Hold the second batch so only the first one is final.
        now = runtime.clock.now()
        await repository.claim_next(
            session, owner="holder", now=now, lease_until=now + timedelta(days=60)
        )

    clock.advance(timedelta(days=30).total_seconds() - 1)
    await worker.run_maintenance()
    assert (await result(runtime.database, seller.seller_id, batch_id))["status"] == "completed"

    clock.advance(2)
    await worker.run_maintenance()
    async with runtime.database.read_session() as session:
        with pytest.raises(NotFoundError):
            await service.read_result(
                session, kind="echo", seller_id=seller.seller_id, batch_id=batch_id
            )
    assert (await result(runtime.database, seller.seller_id, open_id))["status"] == "processing"
    assert await effects(runtime.database, batch_id) == [(0, "a"), (2, "c")]
