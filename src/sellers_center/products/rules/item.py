"""The rules one upsert item must meet on its own, against the catalogue
(docs/api.md#products-batches)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pycountry
from stdnum import ean as ean_checksum

from sellers_center.catalog.document import CompositionType, Role
from sellers_center.catalog.snapshot import Catalog
from sellers_center.products.rules import currency, messages
from sellers_center.products.rules.gs1 import PrefixUse, prefix_use
from sellers_center.products.rules.profile import FIELD_OF_ROLE, CategoryProfile, build_profile
from sellers_center.products.schemas import (
    MaterialCompositionNonTextileSchema,
    MaterialCompositionTextileSchema,
    UpsertProductItemSchema,
)

# Every assigned ISO 3166-1 alpha-2 code: goods are made everywhere (docs/api.md#products-batches).
ORIGIN_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
EAN_LENGTH = 13
FULL_COMPOSITION = 100
TEXTILE_FIELD = "material_composition_textile"
NON_TEXTILE_FIELD = "material_composition_non_textile"


@dataclass
class BatchCatalog:
    """The catalogue as one batch sees it: looked up once, profiles built on first use."""

    catalog: Catalog
    seller_brands: frozenset[int]
    currencies: dict[str, str]
    """The selling countries, each with the code of its currency."""
    locales: frozenset[str]
    profiles: dict[int, CategoryProfile | None]

    @classmethod
    def of(cls, catalog: Catalog, seller_brands: frozenset[int]) -> BatchCatalog:
        currencies = {country.code: country.currency_code for country in catalog.countries}
        locales = frozenset(locale.code for locale in catalog.locales)
        return cls(catalog, seller_brands, currencies, locales, {})

    def profile(self, category_id: int) -> CategoryProfile | None:
        if category_id not in self.profiles:
            self.profiles[category_id] = build_profile(self.catalog, category_id)
        return self.profiles[category_id]


def ean_errors(ean: str) -> list[str]:
    if len(ean) != EAN_LENGTH or not (ean.isascii() and ean.isdigit()):
        return [messages.ean_not_13_digits(ean)]
    expected = ean_checksum.calc_check_digit(ean[:-1])
    if ean[-1] != expected:
        return [messages.ean_bad_check_digit(ean, expected)]
    use = prefix_use(ean)
    return [] if use is PrefixUse.MEMBER else [messages.ean_prefix_not_allowed(ean, use)]


def item_errors(item: UpsertProductItemSchema, context: BatchCatalog) -> list[str]:
    """Every error of ``item`` that does not depend on the seller's stored products."""
    errors = [] if item.ean is None else ean_errors(item.ean)
    if item.brand not in context.seller_brands:
        errors.append(messages.brand_not_allowed(item.brand))
    profile = context.profile(item.category)
    if profile is None:
        errors.append(messages.category_not_found(item.category))
    elif not profile.is_leaf:
        errors.append(messages.category_not_leaf(item.category, profile.path))
    else:
        errors += _property_errors(item, profile)
        errors += _attribute_errors(item, profile, context.catalog)
        errors += _composition_errors(item, profile)
    errors += _market_errors(item, context)
    return list(dict.fromkeys(errors))  # a code unknown in two fields is reported once


def _property_errors(item: UpsertProductItemSchema, profile: CategoryProfile) -> list[str]:
    errors = []
    if item.color not in profile.colors:
        errors.append(messages.color_not_found(item.color, profile.id))
    if item.size is None:
        if profile.size_group is not None:
            errors.append(messages.size_required(profile.id, profile.size_group.frontend_name))
    elif item.size not in profile.sizes:
        errors.append(messages.size_not_found(item.size, profile.id))
    if item.second_size is not None and item.second_size not in profile.second_sizes:
        errors.append(messages.second_size_not_found(item.second_size, profile.id))
    return errors


def _attribute_errors(
    item: UpsertProductItemSchema, profile: CategoryProfile, catalog: Catalog
) -> list[str]:
    errors = []
    chosen: dict[int, list[int]] = defaultdict(list)
    for attribute in item.attributes:
        group = profile.specific_groups.get(attribute)
        if group is not None:
            chosen[group.id].append(attribute)
            continue
        group_id = catalog.attribute_group.get(attribute)
        role = None if group_id is None else catalog.groups[group_id].role
        if role in FIELD_OF_ROLE:
            errors.append(messages.attribute_repeats_field(attribute, FIELD_OF_ROLE[Role(role)]))
        else:
            errors.append(messages.attribute_not_found(attribute, profile.id))
    for group_id, attributes in chosen.items():
        group = profile.specific_groups[attributes[0]]
        if len(attributes) > 1 and not group.is_multiselect:
            errors.append(messages.attribute_not_multiselect(group.name, group_id, attributes))
    for group in profile.required_groups:
        if group.id not in chosen:
            errors.append(messages.attribute_missing(group.name, group.id))
    return errors


def _composition_errors(item: UpsertProductItemSchema, profile: CategoryProfile) -> list[str]:
    textile = item.material_composition_textile or []
    non_textile = item.material_composition_non_textile or []
    kind = profile.composition
    errors = []
    if kind is CompositionType.TEXTILE and not textile:
        errors.append(messages.composition_required(TEXTILE_FIELD, profile.id, kind))
    if kind is CompositionType.NON_TEXTILE and not non_textile:
        errors.append(messages.composition_required(NON_TEXTILE_FIELD, profile.id, kind))
    if textile and kind is not CompositionType.TEXTILE:
        errors.append(messages.composition_not_accepted(TEXTILE_FIELD, profile.id, kind))
    if non_textile and kind is not CompositionType.NON_TEXTILE:
        errors.append(messages.composition_not_accepted(NON_TEXTILE_FIELD, profile.id, kind))
    if errors:
        return errors
    return _cluster_errors(textile or non_textile, profile)


def _cluster_errors(
    clusters: Sequence[MaterialCompositionTextileSchema | MaterialCompositionNonTextileSchema],
    profile: CategoryProfile,
) -> list[str]:
    errors = []
    ids = [cluster.cluster_id for cluster in clusters]
    if len(set(ids)) < len(ids):  # counted only when some cluster is repeated
        counts = Counter(ids)
        errors += [messages.cluster_repeated(c) for c, count in counts.items() if count > 1]
    for cluster in clusters:
        if cluster.cluster_id not in profile.clusters:
            errors.append(messages.cluster_not_found(cluster.cluster_id))
        for component in cluster.components:
            if component.material_id not in profile.materials:
                errors.append(
                    messages.material_not_found(component.material_id, cluster.cluster_id)
                )
        if isinstance(cluster, MaterialCompositionTextileSchema):
            errors += _fraction_errors(cluster)
    return errors


def _fraction_errors(cluster: MaterialCompositionTextileSchema) -> list[str]:
    errors = [
        messages.fraction_not_positive(c.material_id, c.fraction)
        for c in cluster.components
        if c.fraction <= 0
    ]
    total = sum(component.fraction for component in cluster.components)
    if total != FULL_COMPOSITION:
        errors.append(messages.fractions_not_100(cluster.cluster_id, total))
    return errors


def _market_errors(item: UpsertProductItemSchema, context: BatchCatalog) -> list[str]:
    errors = []
    if item.country_of_origin not in ORIGIN_CODES:
        errors.append(messages.origin_unknown(item.country_of_origin))
    selling = context.currencies  # the selling countries
    listed = item.countries or []
    # Each list of messages is built only when a set difference (C speed) says it has one:
    # the usual item has none, and building them cost a fifth of the item rules, measured.
    if not selling.keys() >= set(listed):
        errors += [
            messages.country_not_sold(code) for code in dict.fromkeys(listed) if code not in selling
        ]
    priced: dict[str, int] = {}
    for price in item.prices:
        code = price.country_code
        priced[code] = priced.get(code, 0) + 1
        if priced[code] == 1 and code not in selling:
            errors.append(messages.country_not_sold(code))
        errors += currency.price_errors(
            item.sku, code, price.retail_price, price.sale_price, context.currencies.get(code)
        )
    if len(priced) < len(item.prices):
        errors += [messages.price_country_repeated(code) for code, n in priced.items() if n > 1]
    if not priced.keys() >= set(listed):
        errors += [
            messages.price_missing(code) for code in dict.fromkeys(listed) if code not in priced
        ]
    descriptions = item.descriptions.root if item.descriptions is not None else {}
    if not context.locales >= descriptions.keys():
        unknown = [locale for locale in descriptions if locale not in context.locales]
        errors += [messages.locale_not_found(locale) for locale in unknown]
    errors += [messages.image_not_url(url) for url in item.images if not _is_absolute_url(url)]
    return errors


# An absolute http(s) URL: scheme, "//", a non-empty host; checked per image, so no urlsplit.
ABSOLUTE_URL = re.compile(r"https?://[^/?#\s@]+(?:[/?#]\S*)?", re.IGNORECASE)


def _is_absolute_url(url: str) -> bool:
    return ABSOLUTE_URL.fullmatch(url) is not None
