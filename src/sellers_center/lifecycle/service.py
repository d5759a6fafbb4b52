"""Lifecycle verbs: the sellers' status batches, the operator's review, system steps, reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.catalog.snapshot import Catalog
from sellers_center.engine.kind import BatchContext, ItemOutcome
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError
from sellers_center.lifecycle import repository
from sellers_center.lifecycle.repository import StatusChange, StyleRow
from sellers_center.lifecycle.rules import product_master_not_found, seller_move
from sellers_center.lifecycle.schemas import (
    RejectedProductSchema,
    RejectionReasonSchema,
    UpdateProductStatusItemSchema,
)
from sellers_center.products.rules.completeness import sale_gaps
from sellers_center.products.schemas import ProductStatus, UpsertProductItemSchema

SELLER, OPERATOR, SYSTEM = "seller", "operator", "system"


async def update_statuses(
    session: AsyncSession,
    context: BatchContext,
    items: Sequence[UpdateProductStatusItemSchema],
    *,
    sandbox: bool,
) -> list[ItemOutcome]:
    """Apply a status batch item by item, in order; styles stay locked until the commit."""
    keys = {item.style_key for item in items}
    styles = await repository.find_styles(session, context.seller_id, keys, lock=True)
    current = {key: ProductStatus(style.status) for key, style in styles.items()}
    publishing = {i.style_key for i in items if i.status == "published" and i.style_key in styles}
    gaps = await _sale_gaps(session, [styles[key] for key in publishing])
    outcomes, changes = [], []
    for item in items:
        style = styles.get(item.style_key)
        if style is None:
            outcomes.append(ItemOutcome((product_master_not_found(item.style_key),)))
            continue
        move = seller_move(item.style_key, current[item.style_key], item.status, sandbox=sandbox)
        errors = [move.error] if move.error else []
        if move.needs_sellable:
            errors += gaps[item.style_key]
        if not errors and move.to is not None:
            detail = f"status batch: {item.status}" + (" (sandbox)" if sandbox else "")
            change = StatusChange(
                style.id, current[item.style_key], move.to, SELLER, detail, context.batch_id
            )
            changes.append(change)
            current[item.style_key] = move.to
        outcomes.append(ItemOutcome(tuple(errors)))
    await repository.record_changes(session, changes, context.now)
    return outcomes


async def _sale_gaps(session: AsyncSession, styles: Sequence[StyleRow]) -> dict[str, list[str]]:
    data = await repository.variant_data(session, [style.id for style in styles])
    return {
        style.style_key: [
            gap
            for stored in data.get(style.id, [])
            for gap in sale_gaps(UpsertProductItemSchema.model_validate_json(stored))
        ]
        for style in styles
    }


async def _review_target(session: AsyncSession, seller_id: int, style_key: str) -> StyleRow:
    style = (await repository.find_styles(session, seller_id, [style_key], lock=True)).get(
        style_key
    )
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
    await repository.record_changes(session, [change], now)


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
    await repository.record_changes(session, [change], now)
    await repository.set_rejection(session, style.id, list(dict.fromkeys(reasons)), message)


async def activate_approved(session: AsyncSession, now: datetime) -> int:
    """System step after approval: pending_active styles go live. A style edited into an
    unsellable state since its approval becomes ``problem`` instead. Returns how many moved."""
    styles = await repository.lock_styles_in_status(session, ProductStatus.PENDING_ACTIVE)
    unsellable = await repository.styles_with_unsellable_variants(session, [s.id for s in styles])
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
    await repository.record_changes(session, changes, now)
    return len(changes)


@dataclass(frozen=True, slots=True)
class PendingStyle:
    seller: str
    style_key: str
    variants: int
    since: datetime | None


async def pending_review(session: AsyncSession, seller_id: int | None) -> list[PendingStyle]:
    rows = await repository.styles_in_status(session, ProductStatus.PENDING_APPROVAL, seller_id)
    return [PendingStyle(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    changed_at: datetime
    from_status: str | None
    to_status: str
    cause: str
    detail: str | None


async def history(session: AsyncSession, seller_id: int, style_key: str) -> list[HistoryEntry]:
    style = (await repository.find_styles(session, seller_id, [style_key])).get(style_key)
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
    rows, total = await repository.rejected_page(session, seller_id, style_key, offset, limit)
    reasons = {reason.key: reason for reason in catalog.rejection_reasons}
    products = [
        RejectedProductSchema(
            style_key=row["style_key"],
            skus=row["skus"],
            rejection_reasons=[
                RejectionReasonSchema.model_validate(reasons[key], from_attributes=True)
                for key in (row["rejection_reasons"] or "").split(",")
                if key in reasons
            ],
            rejection_message=row["rejection_message"],
            rejected_at=row["status_changed_at"],
        )
        for row in rows
    ]
    return products, total
