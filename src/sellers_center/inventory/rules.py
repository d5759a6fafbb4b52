"""Stock and price item errors (docs/api.md#stock-batches, #price-batches), one function per rule.

Price texts are the product upsert's (``products.rules.messages``): a price is the same thing
wherever it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from sellers_center.products.rules import currency, messages
from sellers_center.products.schemas import MAX_PRICE

# How far ahead of the processing time a valid_at may be. A source whose clock runs ahead, or
# that sends local time as UTC, is off by hours at most; a time further ahead would make every
# later update of the SKU stale until then (year 9999 froze it for good).
VALID_AT_LEAD = timedelta(days=1)


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


def stock_ahead(sku: str, valid_at: datetime, limit: datetime) -> str:
    return (
        f"Stock update for SKU {sku} is too far ahead: valid_at {valid_at.isoformat()} is "
        f"later than {limit.isoformat()}, one day after the time of processing"
    )


def price_ahead(sku: str, code: str, valid_at: datetime, limit: datetime) -> str:
    return (
        f"Price update for SKU {sku} in {code} is too far ahead: valid_at "
        f"{valid_at.isoformat()} is later than {limit.isoformat()}, one day after the time of "
        "processing"
    )


def valid_at_too_early(sku: str, valid_at: datetime) -> str:
    return f"Update for SKU {sku} has valid_at {valid_at.isoformat()}, before year 1 in UTC"


def price_errors(
    sku: str,
    code: str,
    retail: Decimal,
    sale: Decimal | None,
    currencies: Mapping[str, str],
) -> list[str]:
    """The upsert's price rules, for one price of a price batch; ``currencies`` maps each
    selling country to its currency."""
    errors = []
    currency_code = currencies.get(code)
    if currency_code is None:
        errors.append(messages.country_not_sold(code))
    for field, amount in (("retail_price", retail), ("sale_price", sale)):
        if amount is None:
            continue
        if not 0 < amount <= MAX_PRICE:
            errors.append(messages.price_out_of_range(sku, field, amount, MAX_PRICE))
        elif currency_code is not None:
            errors += currency.amount_errors(code, field, amount, currency_code)
    if sale is not None and sale >= retail:
        errors.append(messages.sale_not_below_retail(code, sale, retail))
    return errors
