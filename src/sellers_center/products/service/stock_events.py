"""``stock.updated``: every change of a variant's stock (a stock batch, an order's units taken
or given back, the marketplace warehouse's units set by the operator) is announced in the
transaction of the change, with the changed SKUs' stock as it now is (docs/api.md#webhooks).
An upsert's ``quantity`` is the product's data, not a stock change, and is not announced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.products.repository import listed as listed_rows
from sellers_center.webhooks import service as webhooks

STOCK_UPDATED = "stock.updated"


async def stock_updated(
    session: AsyncSession, seller_id: int, skus: Iterable[str], now: datetime
) -> None:
    """Announce the stock of ``skus`` as it now is, in the order given (the message is built
    only when a subscription wants it)."""
    changed = list(dict.fromkeys(skus))
    if not changed or not await webhooks.wanted(session, seller_id, {STOCK_UPDATED}):
        return
    listed = await listed_rows.variants_by_sku(session, seller_id, changed)
    message = [
        {"sku": sku, "quantity": found.variant.quantity, "quantity_fbm": found.quantity_fbm}
        for sku in changed
        if (found := listed.get(sku)) is not None
    ]
    await webhooks.emit(session, seller_id, STOCK_UPDATED, message, now)
