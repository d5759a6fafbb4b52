"""Stock and price item errors (SPEC §5), one function per rule."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sellers_center.products.schemas import MAX_PRICE


def product_not_found(sku: str) -> str:
    return f"Product not found: {sku}"


def stock_stale(sku: str, valid_at: datetime, applied: datetime) -> str:
    return (
        f"Stock update for SKU {sku} is stale: valid_at {valid_at.isoformat()} is older than "
        f"the update applied, valid at {applied.isoformat()}"
    )


def price_stale(sku: str, code: str, valid_at: datetime, applied: datetime) -> str:
    return (
        f"Price update for SKU {sku} in {code} is stale: valid_at {valid_at.isoformat()} is "
        f"older than the update applied, valid at {applied.isoformat()}"
    )


def price_errors(
    sku: str, code: str, retail: Decimal, sale: Decimal | None, selling: frozenset[str]
) -> list[str]:
    """The upsert's price rules, for one price of a price batch."""
    errors = []
    if code not in selling:
        errors.append(f"Country not found: {code!r} is not a country the marketplace sells in")
    for field, amount in (("retail_price", retail), ("sale_price", sale)):
        if amount is not None and not 0 < amount <= MAX_PRICE:
            errors.append(
                f"Price {field} {amount} for SKU {sku} must be above 0 and at most {MAX_PRICE}"
            )
    if sale is not None and sale >= retail:
        errors.append(
            f"Sale price {sale} must be lower than retail price {retail} for country {code}"
        )
    return errors


def price_repeated(sku: str, code: str) -> str:
    return f"Price for SKU {sku} in {code} is given more than once in this batch"
