"""Order verbs: place orders (``placement``; ``simulation`` makes plausible ones), read them and
their documents (``reads``), and the ship, cancel and return batches (``fulfilment``).

Orders take and give back stock through the products domain's verbs, and read variants through
them; nothing else of products is touched.
"""

from sellers_center.orders.repository import OrderFilter
from sellers_center.orders.service.fulfilment import cancel, return_items, ship
from sellers_center.orders.service.placement import (
    OrderNumbers,
    OrderRequest,
    new_order_number,
    place_order,
)
from sellers_center.orders.service.reads import (
    OrderPage,
    delivery_note_document,
    find_order,
    invoice_document,
    list_orders,
)
from sellers_center.orders.service.simulation import Shelf, random_request, shelf

__all__ = [
    "OrderFilter",
    "OrderNumbers",
    "OrderPage",
    "OrderRequest",
    "Shelf",
    "cancel",
    "delivery_note_document",
    "find_order",
    "invoice_document",
    "list_orders",
    "new_order_number",
    "place_order",
    "random_request",
    "return_items",
    "shelf",
    "ship",
]
