"""Stock and price item errors (docs/api.md#stock-batches, #price-batches), one function per rule.

Price rules and their texts are the product upsert's (``products.rules.currency.price_errors``):
a price is the same thing wherever it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from sellers_center.products.rules import currency, messages

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
    currency_code = currencies.get(code)
    errors = [] if currency_code is not None else [messages.country_not_sold(code)]
    return errors + currency.price_errors(sku, code, retail, sale, currency_code)
