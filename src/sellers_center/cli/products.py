"""``products fbm-stock``: what the marketplace's warehouse holds of a seller's variant (the
``products`` group's other commands are the lifecycle's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import fail, say, write

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.cli.command import Services


def fbm_stock(
    seller: Annotated[str, typer.Option("--seller", help="Name of the seller.")],
    sku: Annotated[str, typer.Option("--sku", help="The variant's SKU.")],
    quantity: Annotated[
        int | None, typer.Option(min=0, max=1_000_000, help="Units held in the warehouse.")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="The warehouse holds none.")] = False,
) -> None:
    """Set the units of a variant held in the marketplace's warehouse.

    Orders fulfilled by the marketplace take these units; the products listing shows them as
    quantity_fbm. --clear: none are held there (null)."""
    from sellers_center.accounts import service as accounts
    from sellers_center.products import service as products

    if (quantity is not None) == clear:  # neither or both
        fail("give either --quantity N or --clear")

    async def work(session: AsyncSession, runtime: Services) -> None:
        seller_id = await accounts.seller_id_by_name(session, seller)
        await products.set_fbm_stock(session, seller_id, sku, quantity, runtime.clock.now())

    write(work)
    held = "none" if quantity is None else str(quantity)
    say(f"The marketplace's warehouse holds {held} of {sku} for {seller}.")
