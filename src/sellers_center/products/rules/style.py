"""The rules that depend on what the seller already stored (docs/api.md#products-batches, the
rules within a style).

A batch is checked item by item against a working copy of the stored state, and each applied
item updates that copy, so the outcome is the one a serial run of the items would give, with one
exception: brand and category are compared only with the variants the batch does not send again,
so a whole style can move to another category in one batch. Should a re-sent variant fail and
keep its old values, the items that changed them are refused too (``evaluate``), and a stored
style never mixes brands or categories.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sellers_center.products.repository.styles import StoredStyle
from sellers_center.products.rules import messages
from sellers_center.products.rules.publication import PublicationPolicy
from sellers_center.products.variant import Variant


class VariantFacts(Protocol):
    """What the rules compare, of a stored variant and of an item's ``Variant`` alike."""

    @property
    def sku(self) -> str: ...
    @property
    def style_key(self) -> str: ...
    @property
    def ean(self) -> str | None: ...
    @property
    def brand(self) -> int: ...
    @property
    def category(self) -> int: ...
    @property
    def color(self) -> int: ...
    @property
    def size(self) -> int | None: ...
    @property
    def second_size(self) -> int | None: ...
    @property
    def is_sellable(self) -> bool: ...


def size_label(variant: VariantFacts) -> str:
    if variant.second_size is None:
        return str(variant.size)
    return f"{variant.size}/{variant.second_size}"


@dataclass
class WorkingState:
    """The seller's styles and variants as the batch has changed them so far."""

    policy: PublicationPolicy
    style_status: dict[str, str]
    style_ids: dict[str, int]
    variants: dict[str, VariantFacts]
    stored_eans: dict[str, str] = field(default_factory=dict)
    """The EAN each stored SKU had before the batch."""
    stored_skus: set[str] = field(default_factory=set)
    """The SKUs stored before the batch."""
    members: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    coming: Counter[str] = field(default_factory=Counter)
    """How many more times each SKU comes up in the batch."""
    ean_owner: dict[str, str] = field(default_factory=dict)
    applied: dict[str, Variant] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        styles: Iterable[StoredStyle],
        variants: Iterable[VariantFacts],
        policy: PublicationPolicy,
    ) -> WorkingState:
        styles = list(styles)
        state = cls(
            policy,
            {s.style_key: s.status for s in styles},
            {s.style_key: s.id for s in styles},
            {},
        )
        for stored in variants:
            state._place(stored)
            state.stored_skus.add(stored.sku)
            if stored.ean is not None:
                state.stored_eans[stored.sku] = stored.ean
        return state

    def _place(self, variant: VariantFacts) -> None:
        previous = self.variants.get(variant.sku)
        if previous is not None:
            self.members[previous.style_key].discard(variant.sku)
            if previous.ean is not None and self.ean_owner.get(previous.ean) == variant.sku:
                del self.ean_owner[previous.ean]
        self.variants[variant.sku] = variant
        self.members[variant.style_key].add(variant.sku)
        if variant.ean is not None:
            self.ean_owner[variant.ean] = variant.sku

    def errors(self, item: Variant) -> list[str]:
        status = self.style_status.get(item.style_key)
        if status in self.policy.frozen_statuses:
            return [messages.style_pending_approval(item.style_key)]
        stored = self.variants.get(item.sku)
        errors = []
        if stored is not None and stored.style_key != item.style_key:
            errors.append(messages.sku_in_other_style(item.sku, stored.style_key))
        elif (
            stored is not None
            and stored.category != item.category
            and status not in self.policy.category_changeable_statuses
        ):
            change = (item.sku, stored.category, item.category, str(status))
            errors.append(messages.category_change_not_allowed(*change))
        owner = self.ean_owner.get(item.ean) if item.ean is not None else None
        if item.ean is not None and owner not in (None, item.sku):
            errors.append(messages.ean_taken(item.ean, str(owner)))
        return errors + self._style_errors(item)

    def _style_errors(self, candidate: VariantFacts) -> list[str]:
        others = [
            self.variants[sku]
            for sku in sorted(self.members[candidate.style_key])
            if sku != candidate.sku
        ]
        settled = [other for other in others if not self.coming[other.sku]]
        errors = _agreement_errors(candidate, settled[0]) if settled else []
        colourway = [other for other in others if other.color == candidate.color]
        for other in colourway:
            if (other.size, other.second_size) == (candidate.size, candidate.second_size):
                taken = (size_label(candidate), candidate.color, candidate.style_key, other.sku)
                errors.append(messages.size_taken(*taken))
        if any((o.second_size is None) != (candidate.second_size is None) for o in colourway):
            errors.append(messages.second_size_mixed(candidate.color, candidate.style_key))
        return errors

    def done(self, item: Variant) -> None:
        self.coming[item.sku] -= 1

    def apply(self, item: Variant) -> None:
        self.style_status.setdefault(item.style_key, self.policy.new_style_status)
        self._place(item)
        self.applied.pop(item.sku, None)  # the latest upsert of a SKU is the one written
        self.applied[item.sku] = item

    def released_eans(self) -> list[str]:
        """SKUs whose stored EAN the batch changes; their old codes may go to other SKUs."""
        return [
            sku
            for sku, item in self.applied.items()
            if sku in self.stored_eans and self.stored_eans[sku] != item.ean
        ]

    def mixed_styles(self) -> dict[str, str]:
        """Applied SKUs whose brand or category disagrees with a variant the batch left as it
        was (because its own re-sent item failed), with the error to refuse them with."""
        refused = {}
        for sku, item in self.applied.items():
            kept = sorted(s for s in self.members[item.style_key] if s not in self.applied)
            errors = _agreement_errors(item, self.variants[kept[0]]) if kept else []
            if errors:
                refused[sku] = errors[0]
        return refused


def _agreement_errors(candidate: VariantFacts, reference: VariantFacts) -> list[str]:
    errors = []
    if reference.brand != candidate.brand:
        differs = (candidate.style_key, candidate.brand, reference.brand)
        errors.append(messages.style_brand_differs(*differs))
    if reference.category != candidate.category:
        differs = (candidate.style_key, candidate.category, reference.category)
        errors.append(messages.style_category_differs(*differs))
    return errors


def evaluate(
    items: Sequence[Variant],
    item_errors: Sequence[list[str]],
    styles: Sequence[StoredStyle],
    variants: Sequence[VariantFacts],
    policy: PublicationPolicy,
) -> tuple[WorkingState, list[list[str]]]:
    """Every item's errors given the stored state; the state holds the variants to write.

    Each round that leaves a style mixed refuses the items that mixed it and starts again; a
    round refuses at least one more item, so there are at most ``len(items)`` rounds.
    """
    refused: dict[int, str] = {}
    while True:
        state = WorkingState.of(styles, variants, policy)
        state.coming.update(item.sku for item in items)
        outcome = []
        for index, item in enumerate(items):
            errors = item_errors[index] + state.errors(item)
            if index in refused:
                errors.append(refused[index])
            if not errors:
                state.apply(item)
            state.done(item)
            outcome.append(errors)
        mixed = state.mixed_styles()
        if not mixed:
            return state, outcome
        for index, item in enumerate(items):
            if state.applied.get(item.sku) is item and item.sku in mixed:
                refused[index] = mixed[item.sku]
