"""A downgrade changes the schema and keeps the rows: on SQLite, rebuilding a table that other
tables reference (Alembic's batch mode copies it and drops the old one, with foreign keys on)
would delete every row that references it by ON DELETE CASCADE."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sellers_center.db import Database
from sellers_center.db.tables import (
    Batch,
    BatchPayload,
    BatchResult,
    ProductStyle,
    ProductVariant,
    Seller,
    StyleStatusChange,
    VariantPrice,
)
from tests.db.test_migrations import run_alembic
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BATCH_ID = uuid.UUID("01900000-0000-7000-8000-000000000001")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test database at head holding a style with a variant priced in two countries, its
    history, and a completed batch with its payload and results; back at head afterwards."""
    database = Database(database_url)
    try:
        async with database.write_session.begin() as session:
            seller = sa.insert(Seller).values(name="seller-a", created_at=NOW)
            seller_id = (await session.execute(seller.returning(Seller.id))).scalar_one()
            style = sa.insert(ProductStyle).values(
                seller_id=seller_id,
                style_key="JKT-1",
                status="draft",
                created_at=NOW,
                updated_at=NOW,
            )
            style_id = (await session.execute(style.returning(ProductStyle.id))).scalar_one()
            await session.execute(
                sa.insert(StyleStatusChange).values(
                    style_id=style_id, to_status="draft", cause="seller", changed_at=NOW
                )
            )
            variant = sa.insert(ProductVariant).values(
                seller_id=seller_id,
                style_id=style_id,
                sku="JKT-1-S",
                ean="4006381333931",
                brand=1101,
                category=112,
                color=1001,
                size=1203,
                quantity=5,
                countries="DE,AT",
                details="{}",
                created_at=NOW,
                updated_at=NOW,
            )
            variant_id = (await session.execute(variant.returning(ProductVariant.id))).scalar_one()
            await session.execute(
                sa.insert(VariantPrice),
                [
                    {"variant_id": variant_id, "country_code": code, "position": position}
                    | {"retail_price": "129.95", "valid_at": NOW}
                    for position, code in enumerate(["DE", "AT"])
                ],
            )
            await session.execute(
                sa.insert(Batch).values(
                    id=BATCH_ID,
                    seller_id=seller_id,
                    kind="stocks",
                    status="completed",
                    item_count=1,
                    attempts=1,
                    available_at=NOW,
                    created_at=NOW,
                    succeeded=1,
                    failed=0,
                )
            )
            await session.execute(
                sa.insert(BatchPayload).values(batch_id=BATCH_ID, body=b'{"items":[]}')
            )
            await session.execute(sa.insert(BatchResult).values(batch_id=BATCH_ID, items=b"[]"))
        yield database
    finally:
        await run_alembic(database, "upgrade", "head")
        await database.dispose()


async def row_counts(database: Database, *tables: str) -> dict[str, int]:
    async with database.read_session() as session:
        return {
            table: (await session.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in tables
        }


async def test_downgrade_to_0008_keeps_every_payload_and_result(database: Database) -> None:
    await run_alembic(database, "downgrade", "0008")

    counts = await row_counts(database, "batches", "batch_payloads", "batch_results")
    assert counts == {"batches": 1, "batch_payloads": 1, "batch_results": 1}


async def test_downgrade_to_0007_keeps_every_variant_price(database: Database) -> None:
    await run_alembic(database, "downgrade", "0007")

    async with database.read_session() as session:
        prices = await session.execute(
            sa.text("SELECT country_code, retail_price FROM variant_prices ORDER BY position")
        )
        assert list(prices) == [("DE", "129.95"), ("AT", "129.95")]


async def test_downgrade_to_0002_keeps_every_style_and_variant(database: Database) -> None:
    await run_alembic(database, "downgrade", "0002")

    counts = await row_counts(database, "product_styles", "product_variants")
    assert counts == {"product_styles": 1, "product_variants": 1}
