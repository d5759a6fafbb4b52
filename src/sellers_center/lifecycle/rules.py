"""The publication state machine (docs/api.md#publication-status-batches), the text of every
refusal, and the publication rules the product upsert follows.

    new style -> draft
    draft --published--> pending_approval --approve--> pending_active --> active
    pending_approval --draft--> draft                 (withdraw; only before approval)
    pending_approval --reject--> rejected --published--> pending_approval
    active --inactive--> inactive --published--> active   (re-activation skips approval)
    active --an edit that breaks a rule--> problem --fixed--> active

Asking for the state a style is already in (or, for ``published``, already on its way to) is
accepted and changes nothing, so a status batch can be sent again safely. In sandbox mode
``published`` leads straight to ``active``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sellers_center.lifecycle.schemas import ProductStatus
from sellers_center.products.rules.publication import PublicationPolicy

SETTABLE = ("published", "inactive", "draft")
PUBLISHED_ALREADY = frozenset(
    {ProductStatus.PENDING_APPROVAL, ProductStatus.PENDING_ACTIVE, ProductStatus.ACTIVE}
)


# What the product rules follow: a new style is a draft; a style waiting for review cannot be
# changed; only a draft or rejected style may change category, and only a draft lose variants.
PUBLICATION = PublicationPolicy(
    new_style_status=ProductStatus.DRAFT,
    frozen_statuses=frozenset({ProductStatus.PENDING_APPROVAL}),
    category_changeable_statuses=frozenset({ProductStatus.DRAFT, ProductStatus.REJECTED}),
    deletable_statuses=frozenset({ProductStatus.DRAFT}),
)


@dataclass(frozen=True, slots=True)
class Move:
    """The outcome of a requested status: a new status, nothing to do, or a refusal."""

    to: ProductStatus | None = None
    error: str | None = None
    needs_sellable: bool = False
    """The move publishes: every variant must be complete enough to be sold."""


def product_master_not_found(style_key: str) -> str:
    return f"Product master not found: {style_key}"


def unknown_status(value: str) -> str:
    return f"Status {value!r} is not allowed: use one of {', '.join(SETTABLE)}"


def draft_after_approval(style_key: str, current: ProductStatus) -> str:
    way_out = (
        "it is offline already; set published to reactivate it"
        if current is ProductStatus.INACTIVE
        else "use inactive to take it offline"
    )
    return f"Style {style_key} is {current}: draft is only possible before approval; {way_out}"


def inactive_before_activation(style_key: str, current: ProductStatus) -> str:
    way_out = {
        ProductStatus.DRAFT: "publish it first",
        ProductStatus.PENDING_APPROVAL: "withdraw it with draft",
        ProductStatus.REJECTED: "fix it and publish it again",
        ProductStatus.PENDING_ACTIVE: "try again once it is active",
    }.get(current, "publish it first")
    return (
        f"Style {style_key} is {current}: inactive is only possible once it was active; {way_out}"
    )


def rejected_needs_publishing(style_key: str) -> str:
    return (
        f"Style {style_key} is rejected: fix what the rejection names and set published to "
        "submit it for approval again"
    )


def problem_needs_fixing(style_key: str, requested: str) -> str:
    return (
        f"Style {style_key} is problem: {requested} is not possible until its variants are "
        "fixed; send the corrected variants and it becomes active again"
    )


def seller_move(style_key: str, current: ProductStatus, requested: str, *, sandbox: bool) -> Move:
    """What a seller's requested status does to a style in ``current``."""
    if requested not in SETTABLE:
        return Move(error=unknown_status(requested))
    if requested == "published":
        return _publish(style_key, current, sandbox=sandbox)
    if requested == "draft":
        if current is ProductStatus.PENDING_APPROVAL:
            return Move(to=ProductStatus.DRAFT)
        if current is ProductStatus.DRAFT:
            return Move()
        if current is ProductStatus.REJECTED:
            return Move(error=rejected_needs_publishing(style_key))
        if current is ProductStatus.PROBLEM:
            return Move(error=problem_needs_fixing(style_key, requested))
        return Move(error=draft_after_approval(style_key, current))
    if current is ProductStatus.ACTIVE:
        return Move(to=ProductStatus.INACTIVE)
    if current is ProductStatus.INACTIVE:
        return Move()
    if current is ProductStatus.PROBLEM:
        return Move(error=problem_needs_fixing(style_key, requested))
    return Move(error=inactive_before_activation(style_key, current))


def _publish(style_key: str, current: ProductStatus, *, sandbox: bool) -> Move:
    if current in PUBLISHED_ALREADY:
        return Move()
    if current in (ProductStatus.DRAFT, ProductStatus.REJECTED):
        target = ProductStatus.ACTIVE if sandbox else ProductStatus.PENDING_APPROVAL
        return Move(to=target, needs_sellable=True)
    if current is ProductStatus.INACTIVE:
        return Move(to=ProductStatus.ACTIVE, needs_sellable=True)
    return Move(error=problem_needs_fixing(style_key, "published"))
