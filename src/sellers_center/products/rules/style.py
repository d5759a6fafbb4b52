"""The rules that depend on what the seller already stored (SPEC §3, "within a style").

A batch is checked item by item against a working copy of the stored state, and each applied
item updates that copy, so the outcome is the one a serial run of the items would give.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sellers_center.products.repository import StoredStyle, StoredVariant
from sellers_center.products.rules import messages
from sellers_center.products.schemas import UpsertProductItemSchema

NEW_STYLE_STATUS = "draft"
LOCKED_STATUSES = frozenset({"pending_approval"})
CATEGORY_CHANGEABLE_STATUSES = frozenset({"draft", "rejected"})


def variant_of(item: UpsertProductItemSchema) -> StoredVariant:
    return StoredVariant(
        item.sku,
        item.style_key,
        item.ean,
        item.brand,
        item.category,
        item.color,
        item.size,
        item.second_size,
    )


def size_label(variant: StoredVariant) -> str:
    if variant.second_size is None:
        return str(variant.size)
    return f"{variant.size}/{variant.second_size}"


@dataclass
class WorkingState:
    """The seller's styles and variants as the batch has changed them so far."""

    style_status: dict[str, str]
    variants: dict[str, StoredVariant]
    members: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ean_owner: dict[str, str] = field(default_factory=dict)
    applied: dict[str, UpsertProductItemSchema] = field(default_factory=dict)

    @classmethod
    def of(cls, styles: Iterable[StoredStyle], variants: Iterable[StoredVariant]) -> WorkingState:
        state = cls({s.style_key: s.status for s in styles}, {})
        for stored in variants:
            state._place(stored)
        return state

    def _place(self, variant: StoredVariant) -> None:
        previous = self.variants.get(variant.sku)
        if previous is not None:
            self.members[previous.style_key].discard(variant.sku)
            if previous.ean is not None and self.ean_owner.get(previous.ean) == variant.sku:
                del self.ean_owner[previous.ean]
        self.variants[variant.sku] = variant
        self.members[variant.style_key].add(variant.sku)
        if variant.ean is not None:
            self.ean_owner[variant.ean] = variant.sku

    def errors(self, item: UpsertProductItemSchema) -> list[str]:
        status = self.style_status.get(item.style_key)
        if status in LOCKED_STATUSES:
            return [messages.style_pending_approval(item.style_key)]
        candidate = variant_of(item)
        stored = self.variants.get(item.sku)
        errors = []
        if stored is not None and stored.style_key != item.style_key:
            errors.append(messages.sku_in_other_style(item.sku, stored.style_key))
        elif (
            stored is not None
            and stored.category != item.category
            and status not in CATEGORY_CHANGEABLE_STATUSES
        ):
            change = (item.sku, stored.category, item.category, str(status))
            errors.append(messages.category_change_not_allowed(*change))
        owner = self.ean_owner.get(item.ean) if item.ean is not None else None
        if item.ean is not None and owner not in (None, item.sku):
            errors.append(messages.ean_taken(item.ean, str(owner)))
        return errors + self._style_errors(candidate)

    def _style_errors(self, candidate: StoredVariant) -> list[str]:
        others = [
            self.variants[sku]
            for sku in sorted(self.members[candidate.style_key])
            if sku != candidate.sku
        ]
        errors = []
        if others and others[0].brand != candidate.brand:
            differs = (candidate.style_key, candidate.brand, others[0].brand)
            errors.append(messages.style_brand_differs(*differs))
        if others and others[0].category != candidate.category:
            differs = (candidate.style_key, candidate.category, others[0].category)
            errors.append(messages.style_category_differs(*differs))
        colourway = [other for other in others if other.color == candidate.color]
        for other in colourway:
            if (other.size, other.second_size) == (candidate.size, candidate.second_size):
                taken = (size_label(candidate), candidate.color, candidate.style_key, other.sku)
                errors.append(messages.size_taken(*taken))
        if any((o.second_size is None) != (candidate.second_size is None) for o in colourway):
            errors.append(messages.second_size_mixed(candidate.color, candidate.style_key))
        return errors

    def apply(self, item: UpsertProductItemSchema) -> None:
        self.style_status.setdefault(item.style_key, NEW_STYLE_STATUS)
        self._place(variant_of(item))
        self.applied.pop(item.sku, None)  # the latest upsert of a SKU is the one written
        self.applied[item.sku] = item
