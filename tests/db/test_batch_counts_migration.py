"""Migration 0009 counts the items of the batches already final from their stored results, once,
so that listing batches never reads results; open batches stay uncounted (null)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sellers_center.db import Database
from sellers_center.db.tables import Batch, BatchResult, Seller
from tests.db.test_migrations import run_alembic
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BEFORE = "0008"
COMPLETED = uuid.UUID("01900000-0000-7000-8000-000000000001")
FAILED = uuid.UUID("01900000-0000-7000-8000-000000000002")
PENDING = uuid.UUID("01900000-0000-7000-8000-000000000003")
OLD_BATCHES = sa.table(
    "batches",
    sa.column("id", sa.Uuid),
    sa.column("seller_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("item_count", sa.Integer),
    sa.column("attempts", sa.Integer),
    sa.column("available_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def outcomes(*successes: bool) -> bytes:
    items = [
        {"requestItem": {"sku": f"S-{n}"}, "success": success, "errors": [] if success else ["x"]}
        for n, success in enumerate(successes)
    ]
    return json.dumps(items, separators=(",", ":")).encode()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test database at 0008 with a completed, a failed and a pending batch."""
    database = Database(database_url)
    await run_alembic(database, "downgrade", BEFORE)
    try:
        async with database.write_session.begin() as session:
            seller = sa.insert(Seller).values(name="seller-a", created_at=NOW)
            seller_id = (await session.execute(seller.returning(Seller.id))).scalar_one()
            naive = NOW.replace(tzinfo=None) if database.is_sqlite else NOW
            for batch_id, status, count in [
                (COMPLETED, "completed", 4),
                (FAILED, "failed", 2),
                (PENDING, "pending", 3),
            ]:
                await session.execute(
                    OLD_BATCHES.insert().values(
                        id=batch_id,
                        seller_id=seller_id,
                        kind="stocks",
                        status=status,
                        item_count=count,
                        attempts=1,
                        available_at=naive,
                        created_at=naive,
                    )
                )
            await session.execute(
                sa.insert(BatchResult),
                [
                    {"batch_id": COMPLETED, "items": outcomes(True, False, True, True)},
                    {"batch_id": FAILED, "items": outcomes(False, False)},
                ],
            )
        yield database
    finally:
        await run_alembic(database, "upgrade", "head")
        await database.dispose()


async def test_final_batches_get_their_counts_and_open_ones_none(database: Database) -> None:
    await run_alembic(database, "upgrade", "0009")

    async with database.read_session() as session:
        counts = await session.execute(
            sa.select(Batch.id, Batch.succeeded, Batch.failed).order_by(Batch.id)
        )

    assert list(counts) == [(COMPLETED, 3, 1), (FAILED, 0, 2), (PENDING, None, None)]
