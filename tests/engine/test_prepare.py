"""A kind's ``prepare`` step (engine/kind.py): on SQLite it runs in a read transaction before
the batch's write transaction, ``process`` gets what it returns, and a ``prepare`` that fails
never loses the batch: an item fault leaves the typed items to ``process``, a database fault is
an attempt that failed. On PostgreSQL ``process`` does that work in its transaction."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import UnitOfWork
from sellers_center.db.unit import WriteInReadError
from sellers_center.engine.kind import BatchContext, KindRegistry, PrepareItems
from sellers_center.runtime import Runtime
from tests.engine import echo_kind
from tests.engine.echo_kind import EchoItem
from tests.engine.helpers import applied_values, batch_row, submit
from tests.support import SellerKey

ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def echo_with(runtime: Runtime, prepare: PrepareItems) -> None:
    runtime.kinds = KindRegistry.of(
        [dataclasses.replace(echo_kind.build_echo_kind(), prepare=prepare)]
    )


@ON_SQLITE
async def test_prepare_reads_outside_the_write_transaction_and_process_gets_its_items(
    runtime: Runtime, seller: SellerKey
) -> None:
    seen: list[str] = []

    async def prepare(
        session: AsyncSession, context: BatchContext, items: Sequence[EchoItem]
    ) -> list[EchoItem]:
        try:
            async with UnitOfWork(runtime.database).write():
                seen.append("in a write transaction")
        except WriteInReadError:
            seen.append("in a read transaction")
        return [item.model_copy(update={"value": item.value.upper()}) for item in items]

    echo_with(runtime, prepare)
    body = {"items": [{"value": "a"}, {"value": "bad"}]}
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())

    assert await runtime.worker().run_once() is True

    assert seen == ["in a read transaction"]
    # "BAD" is not the refused value "bad": process got the prepared items.
    assert await applied_values(runtime.database, batch_id) == ["A", "BAD"]


@ON_SQLITE
async def test_items_prepare_fails_on_are_applied_as_they_were(
    runtime: Runtime, seller: SellerKey, caplog: pytest.LogCaptureFixture
) -> None:
    async def prepare(
        session: AsyncSession, context: BatchContext, items: Sequence[EchoItem]
    ) -> list[EchoItem]:
        raise ValueError("a kind's code failing on an item")

    echo_with(runtime, prepare)
    body = {"items": [{"value": "a"}, {"value": "bad"}]}
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())

    with caplog.at_level(logging.WARNING, logger="sellers_center.engine.application"):
        assert await runtime.worker().run_once() is True

    assert await applied_values(runtime.database, batch_id) == ["a"]
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts) == ("completed", 1)
    assert [record.getMessage() for record in caplog.records] == [
        f"batch {batch_id}: preparing its items failed (ValueError); applying them unprepared"
    ]


@ON_SQLITE
async def test_a_prepare_that_loses_the_database_fails_the_attempt(
    runtime: Runtime, seller: SellerKey
) -> None:
    async def prepare(
        session: AsyncSession, context: BatchContext, items: Sequence[EchoItem]
    ) -> list[EchoItem]:
        raise OperationalError("SELECT 1", (), ConnectionResetError("reset by peer"))

    echo_with(runtime, prepare)
    body = {"items": [{"value": "a"}]}
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())

    assert await runtime.worker().run_once() is True

    assert await applied_values(runtime.database, batch_id) == []
    row = await batch_row(runtime.database, batch_id)
    assert (row.status, row.attempts) == ("retry", 1)
    assert row.last_error is not None
    assert "reset by peer" in row.last_error


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_on_postgresql_process_gets_the_typed_items_in_its_own_transaction(
    runtime: Runtime, seller: SellerKey
) -> None:
    called: list[str] = []

    async def prepare(
        session: AsyncSession, context: BatchContext, items: Sequence[EchoItem]
    ) -> list[EchoItem]:
        called.append("prepare")
        return [item.model_copy(update={"value": item.value.upper()}) for item in items]

    echo_with(runtime, prepare)
    body = {"items": [{"value": "a"}, {"value": "bad"}]}
    batch_id = await submit(runtime.database, seller.seller_id, body, runtime.clock.now())

    assert await runtime.worker().run_once() is True

    assert called == []
    assert await applied_values(runtime.database, batch_id) == ["a"]  # "bad" refused as typed
