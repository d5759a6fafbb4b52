"""What stock and price batches and orders ask of variants: their stock and prices, read locked
and written back, and stock reserved and released. Sellability is derived again whenever a
price changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.errors import InvalidInputError, NotFoundError
from sellers_center.products.repository import prices as price_rows
from sellers_center.products.repository import updates
from sellers_center.products.repository.prices import PriceRow
from sellers_center.products.repository.updates import StockLevel, Warehouse
from sellers_center.products.rules import messages
from sellers_center.products.rules.completeness import sale_gaps
from sellers_center.products.service.stock_events import stock_updated


async def stock_levels(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, StockLevel]:
    """The stock of the seller's variants with these SKUs, by SKU, locked until the transaction
    ends: what a stock batch decides on must not change before it writes."""
    return await updates.lock_stock(session, seller_id, skus)


async def set_stock(
    session: AsyncSession, seller_id: int, levels: Sequence[StockLevel], now: datetime
) -> None:
    """Each SKU's new quantity and the validity of the update that set it."""
    await updates.save_stock(session, seller_id, levels, now)
    await stock_updated(session, seller_id, (level.sku for level in levels), now)


async def reserve_stock(
    session: AsyncSession,
    seller_id: int,
    units: Mapping[str, int],
    now: datetime,
    warehouse: Warehouse = Warehouse.SELLER,
) -> list[str]:
    """Take ``units`` of each SKU from its stock in ``warehouse``, all or none. Each take is one
    atomic statement that applies only while enough units are there, so two concurrent
    reservations of the last unit cannot both succeed; SKUs are taken in order, so they cannot
    deadlock. Returns the SKUs that are short (unknown, without counted stock, or too few
    units): then nothing was taken."""
    _check_units(units)
    async with session.begin_nested() as savepoint:
        short = [
            sku
            for sku in sorted(units)
            if not await updates.take(session, seller_id, sku, units[sku], now, warehouse)
        ]
        if short:
            await savepoint.rollback()
    if not short:
        await stock_updated(session, seller_id, sorted(units), now)
    return short


async def release_stock(
    session: AsyncSession,
    seller_id: int,
    units: Mapping[str, int],
    now: datetime,
    warehouse: Warehouse = Warehouse.SELLER,
) -> list[str]:
    """Put reserved ``units`` of each SKU back into its stock in ``warehouse`` (one atomic
    statement each, in SKU order). Returns the SKUs that could not take them back (unknown, or
    whose stock is no longer counted); the others are given back."""
    _check_units(units)
    given_back: list[str] = []
    refused: list[str] = []
    for sku in sorted(units):
        taken = await updates.give_back(session, seller_id, sku, units[sku], now, warehouse)
        (given_back if taken else refused).append(sku)
    await stock_updated(session, seller_id, given_back, now)
    return refused


async def set_fbm_stock(
    session: AsyncSession, seller_id: int, sku: str, quantity: int | None, now: datetime
) -> None:
    """Set the units of a SKU held in the marketplace's warehouse (None: none there). An
    operator's action; a seller's stock batches never change it."""
    if quantity is not None and quantity < 0:
        raise InvalidInputError(f"A quantity is 0 or more, not {quantity}")
    if not await updates.set_fbm_quantity(session, seller_id, sku, quantity, now):
        raise NotFoundError(messages.product_not_found(sku))
    await stock_updated(session, seller_id, [sku], now)


def _check_units(units: Mapping[str, int]) -> None:
    if any(count <= 0 for count in units.values()):
        raise ValueError(f"units to reserve or release must be positive: {dict(units)}")


@dataclass
class PriceState:
    """A variant's prices as a price batch finds them, locked until its transaction ends."""

    sku: str
    _variant: updates.SellabilityRow
    _rows: dict[str, PriceRow]

    def valid_at(self, country_code: str) -> datetime | None:
        """When the last price update applied for this country was valid."""
        row = self._rows.get(country_code)
        return None if row is None else row.valid_at


@dataclass(frozen=True, slots=True)
class PriceChange:
    sku: str
    country_code: str
    retail_price: Decimal
    sale_price: Decimal | None
    valid_at: datetime


async def price_states(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, PriceState]:
    """The prices of the seller's variants with these SKUs, by SKU, locked until the
    transaction ends."""
    variants = await updates.lock_sellability(session, seller_id, skus)
    stored = await price_rows.rows_of(session, [variant.id for variant in variants.values()])
    return {
        sku: PriceState(sku, variant, {row.country_code: row for row in stored.get(variant.id, [])})
        for sku, variant in variants.items()
    }


async def set_prices(
    session: AsyncSession,
    states: Mapping[str, PriceState],
    changes: Sequence[PriceChange],
    now: datetime,
) -> None:
    """Apply ``changes`` in order to the variants ``price_states`` gave: a country's price is
    replaced where it stands, a new one goes last. Each changed variant's sellability is derived
    again (a price for a country it lacked can make it sellable)."""
    touched: dict[int, dict[str, PriceRow]] = {}
    for change in changes:
        state = states[change.sku]
        current = state._rows.get(change.country_code)
        if current is not None and current.retail_price is not None:
            position = current.position
        else:
            position = _next_position(state._rows.values())
        row = PriceRow(
            change.country_code, position, change.retail_price, change.sale_price, change.valid_at
        )
        state._rows[change.country_code] = row
        touched.setdefault(state._variant.id, {})[change.country_code] = row
    await price_rows.save(session, {key: list(rows.values()) for key, rows in touched.items()})
    changed = {states[change.sku]._variant.id: states[change.sku] for change in changes}
    sellable = {key: not _price_state_gaps(state) for key, state in changed.items()}
    await updates.save_sellability(session, sellable, now)


def _next_position(rows: Iterable[PriceRow]) -> int:
    positions = [row.position for row in rows if row.position is not None]
    return max(positions, default=-1) + 1


def _price_state_gaps(state: PriceState) -> list[str]:
    variant = state._variant
    priced = {code for code, row in state._rows.items() if row.retail_price is not None}
    return sale_gaps(variant.sku, variant.countries, priced, has_images=variant.has_images)
