"""One bad item never sinks a batch (docs/api.md#batches; issue 10, items 3 and 4): the items at
fault are found, get an item error in plain words, and the others are applied in submission
order."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sellers_center.clock import ManualClock
from sellers_center.db import Database
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.products.schemas import UpsertProductItemSchema
from sellers_center.runtime import Runtime
from tests.engine.helpers import applied_values, batch_row, eventually, result, submit
from tests.products.factory import ean, jacket
from tests.support import BOTH_BACKENDS, SellerKey

NOT_APPLIED = (
    "The item could not be applied because of an unexpected error, which we have logged; the "
    "other items of the batch were processed. Check the item's values and submit it again, or "
    "contact the marketplace with the batch id if it keeps failing"
)
REFUSED_RULE = "Value 'bad' is refused"


def echo_batch(*values: str) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"value": value} for value in values]}


def outcomes(stored: dict[str, object]) -> list[tuple[str, list[str]]]:
    items = stored["items"]
    assert isinstance(items, list)
    return [(entry["requestItem"]["value"], entry["errors"]) for entry in items]


async def processed_once(
    runtime: Runtime, seller: SellerKey, body: Mapping[str, object]
) -> uuid.UUID:
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())
    assert await runtime.worker().run_once() is True
    return batch_id


@BOTH_BACKENDS
async def test_an_item_the_kind_fails_on_gets_an_item_error_and_the_others_apply(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await processed_once(runtime, seller, echo_batch("a", "explode", "c"))

    assert await result(runtime.database, seller.seller_id, batch_id) == {
        "batchRequestId": str(batch_id),
        "status": "completed",
        "items": [
            {"requestItem": {"value": "a"}, "success": True, "errors": []},
            {"requestItem": {"value": "explode"}, "success": False, "errors": [NOT_APPLIED]},
            {"requestItem": {"value": "c"}, "success": True, "errors": []},
        ],
    }
    assert await applied_values(runtime.database, batch_id) == ["a", "c"]
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts, row.last_error) == ("completed", 1, None)


@BOTH_BACKENDS
async def test_a_row_the_database_refuses_is_an_item_error_and_the_others_apply(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await processed_once(runtime, seller, echo_batch("refused", "b"))

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [("refused", [NOT_APPLIED]), ("b", [])]
    assert await applied_values(runtime.database, batch_id) == ["b"]


@BOTH_BACKENDS
async def test_several_items_at_fault_leave_the_others_applied_in_submission_order(
    runtime: Runtime, seller: SellerKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sellers_center.engine")
    body = echo_batch("refused", "b", "explode", "bad", "e")

    batch_id = await processed_once(runtime, seller, body)

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [
        ("refused", [NOT_APPLIED]),
        ("b", []),
        ("explode", [NOT_APPLIED]),
        ("bad", [REFUSED_RULE]),
        ("e", []),
    ]
    assert await applied_values(runtime.database, batch_id) == ["b", "e"]
    # One traceback per batch; each further item at fault in one line.
    faults = [r for r in caplog.records if "could not be applied" in r.getMessage()]
    assert [record.exc_info is not None for record in faults] == [True, False]
    assert faults[1].getMessage() == (
        f"batch {batch_id}: the item at index 2 could not be applied "
        "(RuntimeError: the echo kind was told to explode)"
    )


@BOTH_BACKENDS
async def test_a_batch_whose_only_item_is_at_fault_is_completed(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await processed_once(runtime, seller, echo_batch("explode"))

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [("explode", [NOT_APPLIED])]
    assert await applied_values(runtime.database, batch_id) == []


@BOTH_BACKENDS
async def test_the_exception_goes_to_the_log_with_the_batch_id_not_to_the_seller(
    runtime: Runtime, seller: SellerKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sellers_center.engine")

    batch_id = await processed_once(runtime, seller, echo_batch("a", "refused"))

    logged = [record for record in caplog.records if record.exc_info is not None]
    assert len(logged) == 1
    record = logged[0]
    assert record.getMessage() == f"batch {batch_id}: the item at index 1 could not be applied"
    assert (record.batch_id, record.kind) == (str(batch_id), "echo")  # type: ignore[attr-defined]
    exception = record.exc_info[1] if record.exc_info else None
    assert type(exception).__name__ == "IntegrityError"
    # The seller reads plain words only: no SQL, no driver, no internal ids.
    seller_text = json.dumps(await result(runtime.database, seller.seller_id, batch_id))
    for internal in ("INSERT", "test_echo_effects", "IntegrityError", "NOT NULL", "sqlite"):
        assert internal not in seller_text


@BOTH_BACKENDS
async def test_an_item_the_schema_no_longer_accepts_is_an_item_error_and_the_others_apply(
    runtime: Runtime, seller: SellerKey
) -> None:
    # Stored before the schema changed (today's submit would refuse it with 422).
    body = {"items": [{"value": "x" * 41}, {"value": "b", "sleep": 1.5e1}, {"value": "c"}]}

    batch_id = await processed_once(runtime, seller, body)

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [
        ("x" * 41, ["Invalid item: value: String should have at most 40 characters"]),
        ("b", ["Invalid item: sleep: Input should be less than or equal to 10"]),
        ("c", []),
    ]
    assert await applied_values(runtime.database, batch_id) == ["c"]


@BOTH_BACKENDS
async def test_a_batch_whose_every_item_the_schema_refuses_is_completed(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await processed_once(runtime, seller, {"items": [{"value": "x" * 41}]})

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [
        ("x" * 41, ["Invalid item: value: String should have at most 40 characters"])
    ]


@BOTH_BACKENDS
async def test_a_stored_payload_the_schema_no_longer_accepts_as_a_whole_fails_in_plain_words(
    runtime: Runtime, seller: SellerKey
) -> None:
    body = echo_batch("a", "b", "c", "d", "e", "f")  # one more than the kind takes today

    batch_id = await processed_once(runtime, seller, body)

    reason = "Invalid payload: items: List should have at most 5 items after validation, not 6"
    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "failed"
    assert [entry["errors"] for entry in stored["items"]] == [[reason]] * 6
    row = await batch_row(runtime.database, batch_id)
    assert (row.attempts, row.last_error) == (1, reason)
    assert await applied_values(runtime.database, batch_id) == []


async def waiting_for_a_lock(database: Database) -> bool:
    async with database.read_session() as session:
        waiting = await session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return bool(waiting.scalar_one())


async def product_results(
    client: httpx.AsyncClient, seller: SellerKey, batch_id: str
) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/results/products", params={"batch_request_id": batch_id}, headers=seller.headers
    )
    assert response.status_code == 200, response.text
    results: dict[str, Any] = response.json()
    return results


# Two batches of one seller give the same EAN to two new SKUs at the same time: neither sees
# the other's uncommitted row, so the rules pass and the database's unique key refuses the
# second writer. That SKU alone gets an item error, read from the now committed winner.
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_ean_a_concurrent_batch_took_first_is_an_item_error_for_that_sku_only(
    runtime: Runtime, seller: SellerKey, client: httpx.AsyncClient
) -> None:
    taken = ean(77)
    items = [jacket("JKT-1-S"), jacket("JKT-2-S", "JKT-2", ean=taken)]
    submitted = await client.post(
        "/api/v1/products/", json={"items": items}, headers=seller.headers
    )
    assert submitted.status_code == 200, submitted.text
    async with runtime.database.write_session() as concurrent:
        context = BatchContext(uuid.uuid4(), seller.seller_id, runtime.clock.now())
        winner = UpsertProductItemSchema.model_validate(jacket("OTHER-S", "OTHER", ean=taken))
        products = runtime.kinds.get("products")
        assert products is not None
        applied = await products.process(concurrent, context, [winner])
        assert applied == [ItemOutcome()]
        processing = asyncio.create_task(runtime.worker().run_once())
        await eventually(lambda: waiting_for_a_lock(runtime.database))
        await concurrent.commit()
    assert await processing is True

    results = await product_results(client, seller, submitted.json()["batchRequestId"])
    assert results["status"] == "completed"
    assert [entry["errors"] for entry in results["items"]] == [
        [],
        [f"EAN {taken} is already used by SKU OTHER-S"],
    ]
    listed = await client.get("/api/v1/products/", headers=seller.headers)
    assert sorted(item["sku"] for item in listed.json()["items"]) == ["JKT-1-S", "OTHER-S"]


@BOTH_BACKENDS
async def test_items_that_each_fail_alike_are_trouble_retried_then_the_batch_fails(
    runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    """Every item of several failing on its own with the same error is the service's fault,
    not the items': retried like infrastructure trouble, then failed, never n item errors."""
    body = echo_batch("explode", "explode", "explode")

    batch_id = await processed_once(runtime, seller, body)

    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts, row.last_error) == (
        "retry",
        1,
        "EveryItemFailedError: every item failed on its own with "
        "RuntimeError: the echo kind was told to explode",
    )
    worker = runtime.worker()
    for wait in (1, 2):
        clock.advance(wait)
        assert await worker.run_once() is True
    reason = (
        "The batch could not be processed after 3 attempts (last error: a temporary problem "
        "on our side); submit it again"
    )
    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "failed"
    assert outcomes(stored) == [("explode", [reason])] * 3
    assert await applied_values(runtime.database, batch_id) == []


@BOTH_BACKENDS
async def test_items_that_each_fail_differently_are_item_errors(
    runtime: Runtime, seller: SellerKey
) -> None:
    batch_id = await processed_once(runtime, seller, echo_batch("explode", "refused"))

    stored = await result(runtime.database, seller.seller_id, batch_id)
    assert stored["status"] == "completed"
    assert outcomes(stored) == [("explode", [NOT_APPLIED]), ("refused", [NOT_APPLIED])]
