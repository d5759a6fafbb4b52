"""How precise a price may be: the decimals of its country's currency (docs/api.md#products-batches:
prices are decimal amounts in the currency of that country).

The number of decimals of a currency is its minor unit in ISO 4217 ("Codes for the
representation of currencies", table A.1, the current currencies and funds, maintained by SIX
on behalf of ISO). Nearly every currency has 2; the table below lists every code of A.1 whose
minor unit is another number. The catalogue may hold any three-letter code (it names the
currency of each selling country), so a code not listed here counts as 2, as do the codes A.1
gives no minor unit (precious metals, test and no-currency codes), which no country sells in.
No installed library carries the minor units (pycountry's ISO 4217 data has codes and names
only), hence this table.
"""

from __future__ import annotations

from decimal import Decimal

from sellers_center.products.rules import messages
from sellers_center.products.schemas import MAX_PRICE

DEFAULT_MINOR_UNIT = 2
MINOR_UNITS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(currency: str) -> int:
    """The decimals an amount in ``currency`` may have."""
    return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNIT)


def decimals(amount: Decimal) -> int:
    """The decimals the value of ``amount`` needs: ``129.950`` needs 2, ``1E-999`` 999, ``1E+2``
    none. Counted on the digits themselves, exact at any size (no rounding context)."""
    _, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    # Trailing zeros need no decimal; counted on the digits (every price of every item).
    for zeros, digit in enumerate(reversed(digits)):
        if digit:
            return max(0, -(exponent + zeros))
    return 0  # zero


def amount_errors(code: str, field: str, amount: Decimal, currency: str) -> list[str]:
    """An amount below the currency's smallest unit (it would round to zero) or finer than it."""
    places = minor_unit(currency)
    # Written with at most ``places`` decimals, it needs no more: the usual price is settled
    # without counting its digits (which is for the rest: 129.950, 1E-999).
    exponent = amount.as_tuple().exponent
    if (isinstance(exponent, int) and exponent >= -places) or decimals(amount) <= places:
        return []
    smallest = Decimal(1).scaleb(-places)
    if amount < smallest:
        return [messages.price_below_smallest_unit(code, field, amount, currency, smallest)]
    return [messages.price_too_precise(code, field, amount, currency, places)]


def price_errors(
    sku: str, code: str, retail: Decimal, sale: Decimal | None, currency: str | None
) -> list[str]:
    """The rules of one price, wherever it is sent (an upsert item's prices, a price batch):
    each amount in range and as precise as ``currency`` allows (unchecked without one: the
    country is not sold, which the caller reports), the sale price below the retail price."""
    errors = []
    for field, amount in (("retail_price", retail), ("sale_price", sale)):
        if amount is None:
            continue
        if not 0 < amount <= MAX_PRICE:
            errors.append(messages.price_out_of_range(sku, field, amount, MAX_PRICE))
        elif currency is not None:
            errors += amount_errors(code, field, amount, currency)
    if sale is not None and sale >= retail:
        errors.append(messages.sale_not_below_retail(code, sale, retail))
    return errors
