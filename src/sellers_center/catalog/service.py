"""Catalogue verbs: the per-process cache, lookups, import and export."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import resources

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog import repository
from sellers_center.catalog.document import AttributeGroupEntry, CatalogDocument
from sellers_center.catalog.snapshot import Catalog, CategoryNode, validate
from sellers_center.errors import NotFoundError

DEMO_CATALOGUE = "demo_catalogue.json"


class CatalogCache:
    """The catalogue held in memory per process, rebuilt when its version moves.

    Every read costs one primary-key lookup of the version, so an import by another process
    (the CLI, another API machine) is seen by the very next request.
    """

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._lock = asyncio.Lock()

    async def get(self, session: AsyncSession) -> Catalog:
        current = await repository.version(session)
        cached = self._catalog
        if cached is not None and cached.version == current:
            return cached
        async with self._lock:
            cached = self._catalog
            if cached is None or cached.version != current:
                cached = Catalog.build(current, await repository.load(session))
                self._catalog = cached
        return cached


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    changed: bool
    version: int


def demo_document() -> CatalogDocument:
    data = resources.files("sellers_center.catalog").joinpath("data", DEMO_CATALOGUE)
    return CatalogDocument.model_validate_json(data.read_bytes())


async def export_document(session: AsyncSession) -> CatalogDocument:
    return await repository.load(session)


async def import_document(session: AsyncSession, document: CatalogDocument) -> ImportOutcome:
    """Make the stored catalogue equal ``document``; importing the same file again is a no-op."""
    validate(document)
    if _canonical(await repository.load(session)) == _canonical(document):
        return ImportOutcome(changed=False, version=await repository.version(session))
    await repository.replace(session, document)
    return ImportOutcome(changed=True, version=await repository.bump_version(session))


async def is_empty(session: AsyncSession) -> bool:
    return not await repository.has_categories(session)


def _canonical(document: CatalogDocument) -> CatalogDocument:
    """The same catalogue with every list in key order, so order in a file does not matter."""
    groups = [
        group.model_copy(update={"attributes": sorted(group.attributes, key=lambda a: a.id)})
        for group in sorted(document.attribute_groups, key=lambda g: g.id)
    ]
    categories = [
        category.model_copy(update={"attribute_groups": sorted(category.attribute_groups)})
        for category in sorted(document.categories, key=lambda c: c.id)
    ]
    return CatalogDocument(
        attribute_groups=groups,
        categories=categories,
        currencies=sorted(document.currencies, key=lambda c: c.code),
        countries=sorted(document.countries, key=lambda c: c.code),
        locales=sorted(document.locales, key=lambda c: c.code),
        rejection_reasons=sorted(document.rejection_reasons, key=lambda r: r.key),
        carriers=sorted(document.carriers, key=lambda c: c.key),
    )


def find_categories(
    catalog: Catalog, *, query: str | None, parent_id: int | None
) -> list[CategoryNode]:
    """Categories whose path contains every word of ``query``, optionally below one parent."""
    words = (query or "").casefold().split()
    return [
        node
        for node in catalog.categories.values()
        if (parent_id is None or node.entry.parent_id == parent_id)
        and all(word in node.path.casefold() for word in words)
    ]


def attribute_groups(catalog: Catalog, category_id: int) -> list[AttributeGroupEntry]:
    if category_id not in catalog.categories:
        raise NotFoundError(f"Category {category_id} not found")
    return catalog.groups_of(category_id)
