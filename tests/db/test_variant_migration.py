"""Migration 0007 moves the stored item's stock, countries and prices out of its JSON, keeps
every price's validity (even of a country an upsert removed), derives ``is_sellable`` again, and
its downgrade gives back the JSON as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic_core import to_json

from sellers_center.db import Database
from sellers_center.db.tables import ProductStyle, ProductVariant, Seller
from sellers_center.products.schemas import UpsertProductItemSchema
from tests.db.test_migrations import run_alembic
from tests.products.factory import SIZE_M, jacket
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BEFORE = "0006"
OLD_VARIANTS = sa.table(
    "product_variants",
    sa.column("id", sa.Integer),
    sa.column("seller_id", sa.Integer),
    sa.column("style_id", sa.Integer),
    sa.column("sku", sa.String),
    sa.column("ean", sa.String),
    sa.column("brand", sa.Integer),
    sa.column("category", sa.Integer),
    sa.column("color", sa.Integer),
    sa.column("size", sa.Integer),
    sa.column("second_size", sa.Integer),
    sa.column("is_sellable", sa.Boolean),
    sa.column("data", sa.Text),
    sa.column("price_valid_at", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
# (item, price validity by country, is_sellable as an older version left it)
STORED: list[tuple[dict[str, Any], dict[str, str] | None, bool]] = [
    # Complete; NL's price was removed by an upsert after a price update for it.
    (
        jacket(),
        {"DE": "2026-01-01T09:30:00+00:00", "NL": "2026-01-02T10:00:00+00:00"},
        False,
    ),
    # Lists AT without a price (stored before a price was required) and no stock.
    (
        jacket(
            "JKT-1-M",
            size=SIZE_M,
            quantity=None,
            prices=[{"country_code": "DE", "retail_price": "129.950"}],
        ),
        None,
        True,
    ),
    # No countries at all.
    (jacket("JKT-1-L", size=1205, countries=None, prices=[]), None, True),
]


def stored_form(item: dict[str, Any]) -> str:
    """What the upsert wrote into ``data`` before 0007."""
    return to_json(UpsertProductItemSchema.model_validate(item).model_dump()).decode()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test database at 0006 holding variants in the old form; back at head afterwards."""
    database = Database(database_url)
    await run_alembic(database, "downgrade", BEFORE)
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
            for item, validity, sellable in STORED:
                await session.execute(
                    OLD_VARIANTS.insert().values(
                        seller_id=seller_id,
                        style_id=style_id,
                        sku=item["sku"],
                        ean=item["ean"],
                        brand=item["brand"],
                        category=item["category"],
                        color=item["color"],
                        size=item["size"],
                        second_size=None,
                        is_sellable=sellable,
                        data=stored_form(item),
                        price_valid_at=None if validity is None else json.dumps(validity),
                        created_at=NOW.replace(tzinfo=None),
                        updated_at=NOW.replace(tzinfo=None),
                    )
                )
        yield database
    finally:
        await run_alembic(database, "upgrade", "head")
        await database.dispose()


async def rows(database: Database, statement: sa.Executable) -> list[Any]:
    async with database.read_session() as session:
        return list(await session.execute(statement))


async def test_upgrade_moves_stock_countries_and_prices_into_columns_and_rows(
    database: Database,
) -> None:
    await run_alembic(database, "upgrade", "0007")

    variants = await rows(
        database,
        sa.select(
            ProductVariant.sku,
            ProductVariant.quantity,
            ProductVariant.countries,
            ProductVariant.has_images,
            ProductVariant.is_sellable,
            ProductVariant.details,
        ).order_by(ProductVariant.sku),
    )
    prices = await rows(
        database,
        sa.text(
            "SELECT v.sku, p.country_code, p.position, p.retail_price, p.sale_price, p.valid_at "
            "FROM variant_prices p JOIN product_variants v ON v.id = p.variant_id "
            "ORDER BY v.sku, p.country_code"
        ),
    )

    assert [row[:5] for row in variants] == [
        ("JKT-1-L", 5, None, True, False),
        ("JKT-1-M", None, "DE,AT", True, False),
        ("JKT-1-S", 5, "DE,AT", True, True),
    ]
    details = json.loads(variants[2].details)
    assert details["name"] == "Aurora"
    assert "prices" not in details
    assert "quantity" not in details
    assert [(row[0], row[1], row[2], row[3], row[4]) for row in prices] == [
        ("JKT-1-M", "DE", 0, "129.950", None),
        ("JKT-1-S", "AT", 1, "134.95", "99.95"),
        ("JKT-1-S", "DE", 0, "129.95", None),
        ("JKT-1-S", "NL", None, None, None),
    ]
    validity = {(row[0], row[1]): row[5] for row in prices if row[5] is not None}
    assert {key: _utc(value) for key, value in validity.items()} == {
        ("JKT-1-S", "DE"): datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
        ("JKT-1-S", "NL"): datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
    }


async def test_downgrade_gives_back_the_stored_items_and_validity(database: Database) -> None:
    await run_alembic(database, "upgrade", "0007")
    await run_alembic(database, "downgrade", BEFORE)

    restored = await rows(
        database,
        sa.select(OLD_VARIANTS.c.sku, OLD_VARIANTS.c.data, OLD_VARIANTS.c.price_valid_at).order_by(
            OLD_VARIANTS.c.sku
        ),
    )

    expected = sorted(
        (item["sku"], json.loads(stored_form(item)), validity) for item, validity, _ in STORED
    )
    assert [(sku, json.loads(data), _validity(times)) for sku, data, times in restored] == expected
    assert [list(json.loads(data)) for _, data, _ in restored] == [
        list(json.loads(stored_form(item))) for item, _, _ in sorted(STORED, key=_sku)
    ]


def _utc(value: Any) -> datetime:
    """A time as the driver gives it back from a raw query: aware, or naive UTC (SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _validity(text: str | None) -> dict[str, str] | None:
    return None if text is None else dict(json.loads(text))


def _sku(stored: tuple[dict[str, Any], Any, Any]) -> str:
    sku: str = stored[0]["sku"]
    return sku
