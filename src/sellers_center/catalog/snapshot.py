"""An immutable in-memory view of the whole catalogue, built once per catalogue version."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sellers_center.catalog.document import (
    AttributeEntry,
    AttributeGroupEntry,
    CarrierEntry,
    CatalogDocument,
    CategoryEntry,
    CountryEntry,
    CurrencyEntry,
    LocaleEntry,
    RejectionReasonEntry,
)
from sellers_center.errors import InvalidInputError

PATH_SEPARATOR = " > "
MAX_VAT_RATE = Decimal(100)


@dataclass(frozen=True, slots=True)
class CategoryNode:
    entry: CategoryEntry
    path: str
    group_ids: tuple[int, ...]
    """Every group that applies here: its own and its ancestors', by id."""
    is_leaf: bool

    @property
    def id(self) -> int:
        return self.entry.id


@dataclass(frozen=True)
class Catalog:
    version: int
    document: CatalogDocument
    categories: dict[int, CategoryNode] = field(default_factory=dict)
    groups: dict[int, AttributeGroupEntry] = field(default_factory=dict)
    attributes: dict[int, AttributeEntry] = field(default_factory=dict)
    attribute_group: dict[int, int] = field(default_factory=dict)
    """Attribute id to the id of its group."""
    currencies: dict[str, CurrencyEntry] = field(default_factory=dict)
    carriers: tuple[CarrierEntry, ...] = ()
    """Every carrier, by country then key (the order ``GET /orders/carriers/`` lists them)."""
    carriers_by_key: dict[str, CarrierEntry] = field(default_factory=dict)
    carriers_by_country: dict[str, tuple[CarrierEntry, ...]] = field(default_factory=dict)
    vat_rates: dict[str, Decimal] = field(default_factory=dict)
    """Country code to its standard VAT rate in percent; countries without one are absent."""

    @classmethod
    def build(cls, version: int, document: CatalogDocument) -> Catalog:
        validate(document)
        groups = {group.id: group for group in document.attribute_groups}
        attributes = {a.id: a for g in document.attribute_groups for a in g.attributes}
        attribute_group = {a.id: g.id for g in document.attribute_groups for a in g.attributes}
        currencies = {currency.code: currency for currency in document.currencies}
        nodes = _nodes(document.categories)
        carriers = tuple(sorted(document.carriers, key=lambda c: (c.country_code, c.key)))
        by_country: dict[str, list[CarrierEntry]] = defaultdict(list)
        for carrier in carriers:
            by_country[carrier.country_code].append(carrier)
        return cls(
            version,
            document,
            nodes,
            groups,
            attributes,
            attribute_group,
            currencies,
            carriers=carriers,
            carriers_by_key={carrier.key: carrier for carrier in carriers},
            carriers_by_country={code: tuple(found) for code, found in by_country.items()},
            vat_rates={c.code: c.vat_rate for c in document.countries if c.vat_rate is not None},
        )

    @property
    def countries(self) -> list[CountryEntry]:
        return self.document.countries

    @property
    def locales(self) -> list[LocaleEntry]:
        return self.document.locales

    @property
    def rejection_reasons(self) -> list[RejectionReasonEntry]:
        return self.document.rejection_reasons

    def groups_of(self, category_id: int) -> list[AttributeGroupEntry]:
        node = self.categories.get(category_id)
        return [] if node is None else [self.groups[g] for g in node.group_ids]

    def carrier(self, key: str) -> CarrierEntry | None:
        return self.carriers_by_key.get(key)

    def carriers_of(self, country_code: str) -> tuple[CarrierEntry, ...]:
        """The carriers that deliver in ``country_code``, by key; none for an unknown code."""
        return self.carriers_by_country.get(country_code, ())

    def vat_rate(self, country_code: str) -> Decimal | None:
        """The standard VAT rate of a selling country in percent, or None when it has none."""
        return self.vat_rates.get(country_code)


def _nodes(categories: Iterable[CategoryEntry]) -> dict[int, CategoryNode]:
    by_id = {category.id: category for category in categories}
    parents = {c.parent_id for c in by_id.values() if c.parent_id is not None}
    nodes: dict[int, CategoryNode] = {}
    for category in by_id.values():
        chain = _ancestry(category, by_id)
        path = PATH_SEPARATOR.join(node.name for node in chain)
        group_ids = sorted({g for node in chain for g in node.attribute_groups})
        nodes[category.id] = CategoryNode(
            category, path, tuple(group_ids), category.id not in parents
        )
    return nodes


def _ancestry(category: CategoryEntry, by_id: dict[int, CategoryEntry]) -> list[CategoryEntry]:
    """The chain from the root down to ``category``; ``validate`` has ruled out cycles."""
    chain = [category]
    while chain[-1].parent_id is not None:
        chain.append(by_id[chain[-1].parent_id])
    return chain[::-1]


def validate(document: CatalogDocument) -> None:
    """Reject a catalogue whose references do not hold, naming the first broken one."""
    problems: list[str] = []
    _unique(problems, "attribute group", [g.id for g in document.attribute_groups])
    attributes = [a.id for g in document.attribute_groups for a in g.attributes]
    _unique(problems, "attribute", attributes)
    _unique(problems, "category", [c.id for c in document.categories])
    _unique(problems, "currency", [c.code for c in document.currencies])
    _unique(problems, "country", [c.code for c in document.countries])
    _unique(problems, "locale", [c.code for c in document.locales])
    _unique(problems, "rejection reason", [r.key for r in document.rejection_reasons])
    _unique(problems, "carrier", [c.key for c in document.carriers])
    group_ids = {g.id for g in document.attribute_groups}
    categories = {c.id: c for c in document.categories}
    for category in document.categories:
        if category.parent_id is not None and category.parent_id not in categories:
            problems.append(f"category {category.id} has unknown parent {category.parent_id}")
        for group in category.attribute_groups:
            if group not in group_ids:
                problems.append(f"category {category.id} refers to unknown group {group}")
    problems.extend(_cycles(categories))
    currencies = {c.code for c in document.currencies}
    for country in document.countries:
        if country.currency_code not in currencies:
            problems.append(f"country {country.code} has unknown currency {country.currency_code}")
    problems.extend(_vat_rate_problems(document.countries))
    countries = {c.code for c in document.countries}
    for carrier in document.carriers:
        if carrier.country_code not in countries:
            problems.append(
                f"carrier {carrier.key} delivers in {carrier.country_code}, not a selling country"
            )
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidInputError(f"Invalid catalogue: {problems[0]}{more}")


def _vat_rate_problems(countries: Iterable[CountryEntry]) -> list[str]:
    return [
        f"country {country.code} has VAT rate {country.vat_rate}; a rate is 0 to {MAX_VAT_RATE}"
        for country in countries
        if country.vat_rate is not None and not 0 <= country.vat_rate <= MAX_VAT_RATE
    ]


def _unique(problems: list[str], what: str, keys: list[int] | list[str]) -> None:
    seen: set[object] = set()
    for key in keys:
        if key in seen:
            problems.append(f"{what} {key} appears twice")
        seen.add(key)


def _cycles(categories: dict[int, CategoryEntry]) -> list[str]:
    problems = []
    for category in categories.values():
        seen = {category.id}
        parent = category.parent_id
        while parent is not None and parent in categories:
            if parent in seen:
                problems.append(f"category {category.id} is its own ancestor")
                break
            seen.add(parent)
            parent = categories[parent].parent_id
    return problems
