"""Order rules and the text of their errors (docs/api.md#orders), one function per rule.

Placement refusals name the SKU or country and the reason; fulfilment item errors name the
order item and the reason, e.g. ``Order item 41 is shipped; only open items can be
cancelled``. An order item of another seller is indistinguishable from a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence

# Units one order may hold (each unit is one order item).
MAX_ORDER_UNITS = 100


# --- placement ----------------------------------------------------------------------------------


def no_vat_rate(country: str) -> str:
    return (
        f"Orders cannot be placed in {country}: the catalogue has no VAT rate for it; "
        "the operator's next catalogue import must give it one"
    )


def style_not_active(sku: str, style_key: str, status: str) -> str:
    return f"Product {sku} cannot be ordered: its style {style_key} is {status}, not active"


def not_sold_in(sku: str, country: str) -> str:
    return f"Product {sku} is not sold in {country}: {country} is not one of its countries"


def no_price_in(sku: str, country: str) -> str:
    return f"Product {sku} has no price in {country}"


def out_of_stock(sku: str, wanted: int, available: int | None) -> str:
    if available is None:
        return f"Product {sku} is out of stock: {wanted} ordered, and it has no stock count"
    return f"Product {sku} is out of stock: {wanted} ordered, {available} available"


def out_of_marketplace_stock(sku: str, wanted: int, available: int | None) -> str:
    there = "none is held there" if available is None else f"{available} held there"
    return (
        f"Product {sku} is out of stock in the marketplace's warehouse: {wanted} ordered, {there}"
    )


def too_many_units(units: int) -> str:
    return f"An order holds 1 to {MAX_ORDER_UNITS} units, not {units}"


def order_refused(problems: Sequence[str]) -> str:
    return "Order refused: " + "; ".join(problems)


# --- reads and documents ------------------------------------------------------------------------


def order_not_found(order_number: str) -> str:
    return f"Order {order_number} not found"


def nothing_to_invoice(order_number: str) -> str:
    return f"Order {order_number} has nothing to invoice: every item was cancelled"


def invalid_cursor() -> str:
    return "Invalid cursor: pass the cursor of a pagination.next link unchanged"


def page_and_cursor() -> str:
    return "Give either page or cursor, not both: a cursor knows its page"


# --- ship, cancel and return batches ------------------------------------------------------------


def order_item_not_found(item_id: int) -> str:
    return f"Order item {item_id} not found"


def order_item_repeated(item_id: int) -> str:
    return f"Order item {item_id} is listed more than once in this item"


def not_open(item_id: int, status: str, action: str) -> str:
    """``action``: what was asked, ``shipped`` or ``cancelled``."""
    return f"Order item {item_id} is {status}; only open items can be {action}"


def not_shipped(item_id: int, status: str) -> str:
    return f"Order item {item_id} is {status}; only shipped items can be returned"


def carrier_not_found(carrier_key: str) -> str:
    return f"Carrier {carrier_key} not found: GET /api/v1/orders/carriers/ lists the carriers"


def carrier_elsewhere(carrier_key: str, carrier_country: str, order: str, country: str) -> str:
    return (
        f"Carrier {carrier_key} delivers in {carrier_country}, but order {order} ships to "
        f"{country}: use a carrier of {country}"
    )


def blank_key(field: str) -> str:
    return f"{field} is empty: give the parcel's tracking key"
