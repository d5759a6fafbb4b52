"""``sellers`` and ``keys``: the sellers and their API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import console, read, say, write

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.cli.command import Services

sellers_app = typer.Typer(help="Manage sellers.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage sellers' API keys.", no_args_is_help=True)


@sellers_app.command("create")
def sellers_create(
    name: str,
    brand: Annotated[
        list[int] | None,
        typer.Option(help="Brand id the seller may use; repeat. Default: all."),
    ] = None,
) -> None:
    """Create a seller allowed to use the given brands (default: every brand)."""
    from sellers_center.accounts import service as accounts

    async def work(session: AsyncSession, runtime: Services) -> int:
        return await accounts.create_seller(session, name, brand, runtime.clock.now())

    seller_id = write(work)
    say(f"Created seller {name!r} (id {seller_id}).")


@keys_app.command("create")
def keys_create(
    seller: Annotated[str, typer.Option(help="Name of the seller the key acts for.")],
    label: Annotated[str | None, typer.Option(help="A note to recognise the key by.")] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Days until the key stops working.")
    ] = None,
) -> None:
    """Create an API key; the key itself is printed alone on the last line, only this once."""
    from sellers_center.accounts import service as accounts

    expires_in = timedelta(days=expires_in_days) if expires_in_days else None

    async def work(session: AsyncSession, runtime: Services) -> accounts.IssuedKey:
        seller_id = await accounts.seller_id_by_name(session, seller)
        now = runtime.clock.now()
        return await accounts.create_key(
            session, seller_id, label=label, now=now, expires_in=expires_in
        )

    issued = write(work)
    expiry = issued.expires_at.isoformat() if issued.expires_at else "never"
    print(f"Created key {issued.key_id} for seller {seller!r} (expires: {expiry}).")
    print(issued.key)


@keys_app.command("list")
def keys_list(seller: Annotated[str, typer.Option(help="Name of the seller.")]) -> None:
    """List a seller's keys (ids and state; the keys themselves are never stored)."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.accounts import service as accounts

    async def work(
        session: AsyncSession, runtime: Services
    ) -> tuple[list[accounts.KeyInfo], datetime]:
        seller_id = await accounts.seller_id_by_name(session, seller)
        return await accounts.list_keys(session, seller_id), runtime.clock.now()

    keys, now = read(work)
    table = Table("key id", "label", "state", "created", "expires")
    for key in keys:
        expires = key.expires_at.isoformat(timespec="seconds") if key.expires_at else "never"
        created = key.created_at.isoformat(timespec="seconds")
        table.add_row(key.key_id, Text(key.label or ""), key.state(now), created, expires)
    console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key at once: calls with it get 401 from now on."""
    from sellers_center.accounts import service as accounts

    async def work(session: AsyncSession, runtime: Services) -> None:
        await accounts.revoke_key(session, key_id, runtime.clock.now())

    write(work)
    say(f"Revoked key {key_id}.")
