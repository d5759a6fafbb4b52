"""Lifecycle verbs: the sellers' status batches, what follows a product upsert, the operator's
review, system steps, reads. Styles are stored by products; the lifecycle asks its verbs and
keeps the history of every change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import service as accounts
from sellers_center.catalog.snapshot import Catalog
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError
from sellers_center.lifecycle import repository
from sellers_center.lifecycle.repository import StatusChange
from sellers_center.lifecycle.rules import PUBLICATION, product_master_not_found, seller_move
from sellers_center.lifecycle.schemas import (
    ProductStatus,
    RejectedProductSchema,
    RejectionReasonSchema,
    UpdateProductStatusItemSchema,
)
from sellers_center.products import service as products
from sellers_center.products.service import ChangedStyle, StoredStyle
from sellers_center.webhooks import service as webhooks

SELLER, OPERATOR, SYSTEM = "seller", "operator", "system"
STATUS_UPDATED = "product_master.status_updated"
# Styles promoted from pending_active to active per maintenance pass.
ACTIVATION_CHUNK = 500


async def record_changes(
    session: AsyncSession, changes: Sequence[StatusChange], now: datetime
) -> None:
    """Write every change into the history and give each style its last new status."""
    if not changes:
        return
    await repository.insert_history(session, changes, now)
    statuses = {change.style_id: change.to_status for change in changes}
    await products.set_style_statuses(session, statuses, now)


async def update_statuses(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpdateProductStatusItemSchema],
    *,
    sandbox: bool,
) -> list[ItemOutcome]:
    """Apply a status batch item by item, in order; styles stay locked until the commit."""
    keys = {item.style_key for item in items}
    styles = await products.styles(session, context.seller_id, keys, lock=True)
    current = {key: ProductStatus(style.status) for key, style in styles.items()}
    publishing = {i.style_key for i in items if i.status == "published" and i.style_key in styles}
    gaps = await products.sale_gaps_of_styles(session, [styles[key].id for key in publishing])
    outcomes, changes = [], []
    for item in items:
        style = styles.get(item.style_key)
        if style is None:
            outcomes.append(ItemOutcome((product_master_not_found(item.style_key),)))
            continue
        move = seller_move(item.style_key, current[item.style_key], item.status, sandbox=sandbox)
        errors = [move.error] if move.error else []
        if move.needs_sellable:
            errors += gaps.get(style.id, [])
        if not errors and move.to is not None:
            detail = f"status batch: {item.status}" + (" (sandbox)" if sandbox else "")
            change = StatusChange(
                style.id, current[item.style_key], move.to, SELLER, detail, context.batch_id
            )
            changes.append(change)
            current[item.style_key] = move.to
        outcomes.append(ItemOutcome(tuple(errors)))
    await record_changes(session, changes, context.now)
    await announce(session, styles.values(), changes, context.now)
    return outcomes


async def after_upsert(
    session: AsyncSession,
    context: BatchContext,
    created: Sequence[int],
    changed: Sequence[ChangedStyle],
) -> None:
    """What follows a products batch: each new style's first history entry; an active style the
    batch left unsellable becomes ``problem``, a ``problem`` style it made whole again
    ``active`` (docs/api.md#publication-status-batches)."""
    births = [
        StatusChange(
            style_id, None, PUBLICATION.new_style_status, SELLER, "created", context.batch_id
        )
        for style_id in created
    ]
    await record_changes(session, [*births, *_follow_ups(changed)], context.now)


def _follow_ups(changed: Sequence[ChangedStyle]) -> list[StatusChange]:
    changes = []
    for style in changed:
        if style.status == ProductStatus.ACTIVE and style.unsellable:
            detail = "variants not sellable: " + ", ".join(style.unsellable)
            changes.append(
                StatusChange(style.id, style.status, ProductStatus.PROBLEM, SYSTEM, detail)
            )
        elif style.status == ProductStatus.PROBLEM and not style.unsellable:
            changes.append(
                StatusChange(style.id, style.status, ProductStatus.ACTIVE, SYSTEM, "variants fixed")
            )
    return changes


async def _review_target(session: AsyncSession, seller_id: int, style_key: str) -> StoredStyle:
    style = (await products.styles(session, seller_id, [style_key], lock=True)).get(style_key)
    if style is None:
        raise NotFoundError(product_master_not_found(style_key))
    if style.status != ProductStatus.PENDING_APPROVAL:
        raise ConflictError(
            f"Style {style_key} is {style.status}: only pending_approval styles can be reviewed"
        )
    return style


async def approve(session: AsyncSession, seller_id: int, style_key: str, now: datetime) -> None:
    """Approve a style; the worker then activates it (the step that syncs the live shop)."""
    style = await _review_target(session, seller_id, style_key)
    change = StatusChange(
        style.id, style.status, ProductStatus.PENDING_ACTIVE, OPERATOR, "approved"
    )
    await record_changes(session, [change], now)
    await announce(session, [style], [change], now)


async def reject(
    session: AsyncSession,
    catalog: Catalog,
    seller_id: int,
    style_key: str,
    *,
    reasons: Sequence[str],
    message: str | None,
    now: datetime,
) -> None:
    """Reject a style for catalogue reasons; the seller sees them in the rejected listing."""
    known = {reason.key for reason in catalog.rejection_reasons}
    unknown = [reason for reason in reasons if reason not in known]
    if not reasons or unknown:
        problem = f"unknown reasons: {', '.join(unknown)}" if unknown else "no reason given"
        listed = ", ".join(sorted(known))
        raise InvalidInputError(f"Rejection needs reasons from the catalogue ({problem}); {listed}")
    style = await _review_target(session, seller_id, style_key)
    detail = "rejected: " + ", ".join(reasons) + (f" ({message})" if message else "")
    change = StatusChange(style.id, style.status, ProductStatus.REJECTED, OPERATOR, detail)
    await record_changes(session, [change], now)
    kept = list(dict.fromkeys(reasons))
    await products.set_style_rejection(session, style.id, kept, message)
    await announce(session, [style], [change], now, rejection=(kept, message))


async def activate_approved(session: AsyncSession, now: datetime) -> int:
    """System step after approval: pending_active styles go live. A style edited into an
    unsellable state since its approval becomes ``problem`` instead. Returns how many moved."""
    styles = await products.lock_styles_in_status(
        session, ProductStatus.PENDING_ACTIVE, ACTIVATION_CHUNK
    )
    unsellable = await products.styles_with_unsellable_variants(session, [s.id for s in styles])
    changes = [
        StatusChange(
            style.id, style.status, ProductStatus.PROBLEM, SYSTEM, "unsellable at activation"
        )
        if style.id in unsellable
        else StatusChange(
            style.id, style.status, ProductStatus.ACTIVE, SYSTEM, "activated in the shop"
        )
        for style in styles
    ]
    await record_changes(session, changes, now)
    await announce(session, styles, changes, now)
    return len(changes)


async def announce(
    session: AsyncSession,
    styles: Iterable[StoredStyle],
    changes: Sequence[StatusChange],
    now: datetime,
    *,
    rejection: tuple[Sequence[str], str | None] = ((), None),
) -> None:
    """``product_master.status_updated`` for each style's last new status, in the transaction
    of the change (docs/api.md#webhooks)."""
    by_id = {style.id: style for style in styles}
    latest = {change.style_id: change.to_status for change in changes}
    sellers = {by_id[style_id].seller_id for style_id in latest}
    for seller_id in sorted(sellers):
        if not await webhooks.wanted(session, seller_id, {STATUS_UPDATED}):
            continue
        for style_id, status in latest.items():
            style = by_id[style_id]
            if style.seller_id != seller_id:
                continue
            message = {
                "external_reference_key": style.style_key,
                "status": status,
                "rejection_reasons": list(rejection[0]),
                "rejection_message": rejection[1],
            }
            await webhooks.emit(session, seller_id, STATUS_UPDATED, message, now)


@dataclass(frozen=True, slots=True)
class PendingStyle:
    seller: str
    style_key: str
    variants: int
    since: datetime | None


async def pending_review(session: AsyncSession, seller_id: int | None) -> list[PendingStyle]:
    styles = await products.styles_in_status(session, ProductStatus.PENDING_APPROVAL, seller_id)
    names = await accounts.seller_names(session, {style.seller_id for style in styles})
    return [
        PendingStyle(names[style.seller_id], style.style_key, style.variants, style.since)
        for style in styles
    ]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    changed_at: datetime
    from_status: str | None
    to_status: str
    cause: str
    detail: str | None


async def history(session: AsyncSession, seller_id: int, style_key: str) -> list[HistoryEntry]:
    style = (await products.styles(session, seller_id, [style_key])).get(style_key)
    if style is None:
        raise NotFoundError(product_master_not_found(style_key))
    return [
        HistoryEntry(e.changed_at, e.from_status, e.to_status, e.cause, e.detail)
        for e in await repository.history(session, style.id)
    ]


async def rejected_products(
    session: AsyncSession,
    catalog: Catalog,
    seller_id: int,
    *,
    style_key: str | None,
    offset: int,
    limit: int,
) -> tuple[list[RejectedProductSchema], int]:
    entries, total = await products.style_page(
        session, seller_id, ProductStatus.REJECTED, style_key=style_key, offset=offset, limit=limit
    )
    reasons = {reason.key: reason for reason in catalog.rejection_reasons}
    listed = [
        RejectedProductSchema(
            style_key=entry.style_key,
            skus=entry.skus,
            rejection_reasons=[
                RejectionReasonSchema.model_validate(reasons[key], from_attributes=True)
                for key in entry.rejection_reasons
                if key in reasons
            ],
            rejection_message=entry.rejection_message,
            rejected_at=entry.status_changed_at,
        )
        for entry in entries
    ]
    return listed, total
