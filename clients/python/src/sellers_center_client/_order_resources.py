"""The ``orders`` resource of the blocking ``Client``; ``_async_order_resources.py`` mirrors
it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sellers_center_client import _operations as operations
from sellers_center_client._batch import BatchRef
from sellers_center_client._kind import CANCEL_ORDERS, RETURN_ORDERS, SHIP_ORDERS, KindSpec
from sellers_center_client._orders import (
    CancelItem,
    Order,
    OrdersPage,
    OrderStatus,
    ReturnItem,
    ShipItem,
)
from sellers_center_client._page import DEFAULT_PER_PAGE, MAX_PER_PAGE
from sellers_center_client._session import SyncSession


class Orders:
    """The seller's orders: list them, ship, cancel and return their items, get their
    documents."""

    def __init__(self, session: SyncSession, *, automatic_keys: bool) -> None:
        self._session = session
        self._automatic_keys = automatic_keys

    def list(
        self,
        *,
        order_number: str | None = None,
        order_status: OrderStatus | str | None = None,
        orders_from: datetime | str | None = None,
        orders_to: datetime | str | None = None,
        page: int | None = None,
        per_page: int = DEFAULT_PER_PAGE,
        cursor: str | None = None,
    ) -> OrdersPage:
        """One page of orders, oldest first, filtered by number, status or creation time
        (inclusive bounds; a time without a zone is UTC). Give ``page`` or ``cursor`` (the
        previous page's ``next_cursor``), not both."""
        operation = operations.list_orders(
            order_number=order_number,
            order_status=order_status,
            orders_from=orders_from,
            orders_to=orders_to,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
        return self._session.run(operation)

    def iter_all(
        self,
        *,
        order_number: str | None = None,
        order_status: OrderStatus | str | None = None,
        orders_from: datetime | str | None = None,
        orders_to: datetime | str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[Order]:
        """Every matching order, oldest first, page after page by cursor: orders placed
        meanwhile come at the end, and none is missed or seen twice."""
        cursor: str | None = None
        while True:
            result = self.list(
                order_number=order_number,
                order_status=order_status,
                orders_from=orders_from,
                orders_to=orders_to,
                per_page=per_page,
                cursor=cursor,
            )
            yield from result.items
            cursor = result.next_cursor
            if cursor is None:
                return

    def ship(
        self, items: Iterable[ShipItem | Mapping[str, Any]], *, idempotency_key: str | None = None
    ) -> BatchRef[ShipItem]:
        """Submit 1 to 100 shipments: open order items, their carrier and tracking keys."""
        return self._submit(SHIP_ORDERS, items, idempotency_key)

    def cancel(
        self,
        items: Iterable[CancelItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[CancelItem]:
        """Submit 1 to 100 open order items to cancel; their units go back to stock."""
        return self._submit(CANCEL_ORDERS, items, idempotency_key)

    def return_items(
        self,
        items: Iterable[ReturnItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[ReturnItem]:
        """Submit 1 to 100 returns: shipped order items and the return's tracking key. (Named
        so because ``return`` is a Python keyword.)"""
        return self._submit(RETURN_ORDERS, items, idempotency_key)

    def invoice(self, order_number: str) -> bytes:
        """The order's invoice, a PDF document (``NotFound`` for another seller's order)."""
        return self._session.run(operations.invoice(order_number))

    def delivery_document(self, order_number: str) -> bytes:
        """The order's delivery note, a PDF document."""
        return self._session.run(operations.delivery_document(order_number))

    def _submit(
        self,
        spec: KindSpec[Any],
        items: Iterable[Any],
        idempotency_key: str | None,
    ) -> BatchRef[Any]:
        key = operations.idempotency_key(idempotency_key, automatic=self._automatic_keys)
        return self._session.run(operations.submit(spec, items, key))
