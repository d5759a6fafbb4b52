"""All SQL about the catalogue: load it whole, replace it whole, read its version."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from sellers_center.catalog.document import CatalogDocument
from sellers_center.db.tables import (
    Attribute,
    AttributeGroup,
    Base,
    Carrier,
    CatalogState,
    Category,
    CategoryAttributeGroup,
    Country,
    Currency,
    Locale,
    RejectionReason,
)

# Rows per multi-row INSERT; well under SQLite's 32766 bound parameters for every table here.
INSERT_CHUNK = 500


async def version(session: AsyncSession) -> int:
    return (await session.execute(select(CatalogState.version))).scalar_one()


async def bump_version(session: AsyncSession) -> int:
    statement = (
        update(CatalogState)
        .values(version=CatalogState.version + 1)
        .returning(CatalogState.version)
    )
    return (await session.execute(statement)).scalar_one()


async def _rows(session: AsyncSession, table: type[Base], *order: Any) -> list[dict[str, Any]]:
    result = await session.execute(select(table.__table__).order_by(*order))
    return [dict(row) for row in result.mappings()]


async def load(session: AsyncSession) -> CatalogDocument:
    attributes = defaultdict(list)
    for attribute in await _rows(session, Attribute, Attribute.id):
        attributes[attribute.pop("group_id")].append(attribute)
    links = defaultdict(list)
    for link in await _rows(session, CategoryAttributeGroup, CategoryAttributeGroup.group_id):
        links[link["category_id"]].append(link["group_id"])
    groups = [
        {**group, "attributes": attributes[group["id"]]}
        for group in await _rows(session, AttributeGroup, AttributeGroup.id)
    ]
    categories = [
        {**category, "attribute_groups": links[category["id"]]}
        for category in await _rows(session, Category, Category.id)
    ]
    return CatalogDocument.model_validate(
        {
            "attribute_groups": groups,
            "categories": categories,
            "currencies": await _rows(session, Currency, Currency.code),
            "countries": await _rows(session, Country, Country.code),
            "locales": await _rows(session, Locale, Locale.code),
            "rejection_reasons": await _rows(session, RejectionReason, RejectionReason.key),
            # Sorted here: the database's collation may order "_" unlike Python (en_US ignores
            # it), and the export must list them as the demo file does.
            "carriers": sorted(await _rows(session, Carrier), key=lambda row: row["key"]),
        }
    )


async def replace(session: AsyncSession, document: CatalogDocument) -> None:
    """Make the catalogue tables hold exactly ``document``.

    Rows that stay keep their keys, so references to them (sellers' brands) survive; rows that
    go take their references with them (foreign keys cascade).
    """
    groups = [g.model_dump(exclude={"attributes"}) for g in document.attribute_groups]
    attributes = [
        {**a.model_dump(), "group_id": g.id}
        for g in document.attribute_groups
        for a in g.attributes
    ]
    categories = [c.model_dump(exclude={"attribute_groups"}) for c in document.categories]
    links = [
        {"category_id": c.id, "group_id": group}
        for c in document.categories
        for group in c.attribute_groups
    ]
    await session.execute(delete(CategoryAttributeGroup))
    currencies = [c.model_dump() for c in document.currencies]
    # Currencies a country moves to must exist before it does, and those it leaves may go only
    # after it has: add first, remove last.
    await _sync(session, Currency, Currency.code, currencies, remove_absent=False)
    # JSON mode: the VAT rate is stored as the text of its decimal.
    countries = [c.model_dump(mode="json") for c in document.countries]
    await _sync(session, Country, Country.code, countries)
    await _sync(session, Currency, Currency.code, currencies)
    await _sync(session, Carrier, Carrier.key, [c.model_dump() for c in document.carriers])
    await _sync(session, Locale, Locale.code, [c.model_dump() for c in document.locales])
    reasons = [r.model_dump() for r in document.rejection_reasons]
    await _sync(session, RejectionReason, RejectionReason.key, reasons)
    await _sync(session, AttributeGroup, AttributeGroup.id, groups)
    await _sync(session, Attribute, Attribute.id, attributes)
    await _sync(session, Category, Category.id, categories)
    await _insert(session, CategoryAttributeGroup, links)


async def _sync(
    session: AsyncSession,
    table: type[Base],
    key: InstrumentedAttribute[Any],
    rows: Sequence[dict[str, Any]],
    *,
    remove_absent: bool = True,
) -> None:
    """Delete rows whose key is absent (unless told not to), update the ones present, insert
    the new ones."""
    wanted = {row[key.key]: row for row in rows}
    existing = set((await session.execute(select(key))).scalars())
    gone = existing - wanted.keys()
    if gone and remove_absent:
        await session.execute(delete(table).where(key.in_(gone)))
    kept = [row for k, row in wanted.items() if k in existing]
    if kept:
        # ORM bulk UPDATE by primary key: one executemany, not one statement per row.
        await session.execute(update(table), kept)
    await _insert(session, table, [row for k, row in wanted.items() if k not in existing])


async def _insert(session: AsyncSession, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(table), list(rows[start : start + INSERT_CHUNK]))


async def has_categories(session: AsyncSession) -> bool:
    return (await session.execute(select(Category.id).limit(1))).first() is not None
