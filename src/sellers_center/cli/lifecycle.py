"""``review`` and ``products``: the operator's approval of published styles, and their history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli import products
from sellers_center.cli.command import console, read, say, write

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.cli.command import Services

review_app = typer.Typer(help="Review published styles (operator approval).", no_args_is_help=True)
products_app = typer.Typer(help="Look into sellers' products.", no_args_is_help=True)

SellerOption = Annotated[str, typer.Option("--seller", help="Name of the seller.")]


@review_app.command("list")
def review_list(
    seller: Annotated[str | None, typer.Option(help="Only this seller's styles.")] = None,
) -> None:
    """List the styles waiting for approval, oldest first."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.accounts import service as accounts
    from sellers_center.lifecycle import service as lifecycle

    async def work(session: AsyncSession, _: Services) -> list[lifecycle.PendingStyle]:
        seller_id = None if seller is None else await accounts.seller_id_by_name(session, seller)
        return await lifecycle.pending_review(session, seller_id)

    table = Table("seller", "style key", "variants", "waiting since")
    for style in read(work):
        since = style.since.isoformat(timespec="seconds") if style.since else ""
        table.add_row(Text(style.seller), Text(style.style_key), str(style.variants), since)
    console().print(table)


@review_app.command("approve")
def review_approve(style_key: str, seller: SellerOption) -> None:
    """Approve a style: it becomes pending_active, and active once a worker has activated it."""
    from sellers_center.accounts import service as accounts
    from sellers_center.lifecycle import service as lifecycle

    async def work(session: AsyncSession, runtime: Services) -> None:
        seller_id = await accounts.seller_id_by_name(session, seller)
        await lifecycle.approve(session, seller_id, style_key, runtime.clock.now())

    write(work)
    say(f"Approved {style_key} of {seller}; a worker activates it shortly.")


@review_app.command("reject")
def review_reject(
    style_key: str,
    seller: SellerOption,
    reason: Annotated[
        list[str], typer.Option(help="Rejection reason key from the catalogue; repeat.")
    ],
    message: Annotated[str | None, typer.Option(help="A note for the seller.")] = None,
) -> None:
    """Reject a style with catalogue reasons; the seller sees them in /products/rejected."""
    from sellers_center.accounts import service as accounts
    from sellers_center.lifecycle import service as lifecycle

    async def work(session: AsyncSession, runtime: Services) -> None:
        seller_id = await accounts.seller_id_by_name(session, seller)
        catalogue = await runtime.catalog.get(session)
        await lifecycle.reject(
            session,
            catalogue,
            seller_id,
            style_key,
            reasons=reason,
            message=message,
            now=runtime.clock.now(),
        )

    write(work)
    say(f"Rejected {style_key} of {seller}: {', '.join(reason)}.")


@products_app.command("history")
def products_history(style_key: str, seller: SellerOption) -> None:
    """Print every status change of a style: when, from what to what, and why."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.accounts import service as accounts
    from sellers_center.lifecycle import service as lifecycle

    async def work(session: AsyncSession, _: Services) -> list[lifecycle.HistoryEntry]:
        seller_id = await accounts.seller_id_by_name(session, seller)
        return await lifecycle.history(session, seller_id, style_key)

    table = Table("when", "from", "to", "cause", "detail")
    for entry in read(work):
        when = entry.changed_at.isoformat(timespec="seconds")
        cells = (entry.from_status or "", entry.to_status, entry.cause, entry.detail or "")
        table.add_row(when, *(Text(cell) for cell in cells))
    console().print(table)


products_app.command("fbm-stock")(products.fbm_stock)
