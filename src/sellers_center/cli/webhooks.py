"""``webhooks``: a seller's subscriptions and a subscription's delivery log, for operators."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import console, fail, read, say

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.cli.command import Services

webhooks_app = typer.Typer(
    help="Look into sellers' webhook subscriptions and their deliveries.", no_args_is_help=True
)


@webhooks_app.command("list")
def webhooks_list(
    seller: Annotated[str, typer.Option("--seller", help="Name of the seller.")],
) -> None:
    """List a seller's webhooks: id, events, URL, whether enabled (and why not)."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.accounts import service as accounts
    from sellers_center.webhooks import service as webhooks

    async def work(session: AsyncSession, _: Services) -> list[webhooks.Subscription]:
        seller_id = await accounts.seller_id_by_name(session, seller)
        return await webhooks.list_subscriptions(session, seller_id)

    found = read(work)
    table = Table("id", "events", "url", "enabled", "created")
    for hook in found:
        enabled = "yes" if hook.enabled else f"no: {hook.disabled_reason or 'by the seller'}"
        created = hook.created_at.isoformat(timespec="seconds")
        cells = (", ".join(hook.events), hook.url, enabled, created)
        table.add_row(str(hook.id), *(Text(cell) for cell in cells))
    console().print(table)
    say(f"{len(found)} webhooks.")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    subscription_id: Annotated[str, typer.Argument(help="The webhook's id.")],
    page: Annotated[int, typer.Option(min=1, help="Page of the log, newest first.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100, help="Deliveries per page.")] = 50,
) -> None:
    """A webhook's deliveries, newest first: event, status, attempts, last answer, next try."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.pagination import offset
    from sellers_center.webhooks import service as webhooks

    try:
        wanted = uuid.UUID(subscription_id)
    except ValueError:
        fail(f"{subscription_id!r} is not a webhook id")

    async def work(session: AsyncSession, _: Services) -> tuple[list[webhooks.DeliveryEntry], int]:
        return await webhooks.deliveries(
            session, None, wanted, offset=offset(page, per_page), limit=per_page
        )

    entries, total = read(work)
    table = Table("delivery", "event", "created", "status", "attempts", "code", "next", "error")
    for entry in entries:
        when = entry.next_attempt_at.isoformat(timespec="seconds") if entry.next_attempt_at else ""
        cells = (
            entry.event,
            entry.created_at.isoformat(timespec="seconds"),
            entry.status,
            str(entry.attempts),
            "" if entry.last_status_code is None else str(entry.last_status_code),
            when,
            entry.last_error or "",
        )
        table.add_row(str(entry.id), *(Text(cell) for cell in cells))
    console().print(table)
    say(f"{total} deliveries in all; page {page} of {max(-(-total // per_page), 1)}.")
