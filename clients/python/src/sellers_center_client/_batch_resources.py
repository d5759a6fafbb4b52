"""The ``results`` and ``batches`` resources of the blocking ``Client``;
``_async_batch_resources.py`` mirrors them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, overload

from sellers_center_client import _operations as operations
from sellers_center_client._batch import (
    BatchesPage,
    BatchRef,
    BatchResult,
    BatchStatus,
    BatchSummary,
    ItemT,
    Kind,
    ResultItem,
)
from sellers_center_client._inventory import PriceItem, StatusItem, StockItem
from sellers_center_client._kind import kind_spec
from sellers_center_client._operations import BatchId
from sellers_center_client._orders import CancelItem, ReturnItem, ShipItem
from sellers_center_client._page import DEFAULT_PER_PAGE, MAX_PER_PAGE
from sellers_center_client._products import ProductItem
from sellers_center_client._retry import PollSchedule
from sellers_center_client._session import SyncSession
from sellers_center_client._waiting import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    wait_target,
    wait_timeout,
)

Statuses = BatchStatus | str | Sequence[BatchStatus | str]


class Results:
    """Per-item outcomes of batches."""

    def __init__(self, session: SyncSession) -> None:
        self._session = session

    @overload
    def get(
        self,
        kind: Literal["products"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[ProductItem]: ...
    @overload
    def get(
        self,
        kind: Literal["status"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[StatusItem]: ...
    @overload
    def get(
        self,
        kind: Literal["stocks"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[StockItem]: ...
    @overload
    def get(
        self,
        kind: Literal["prices"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[PriceItem]: ...
    @overload
    def get(
        self,
        kind: Literal["ship-orders"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[ShipItem]: ...
    @overload
    def get(
        self,
        kind: Literal["cancel-orders"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[CancelItem]: ...
    @overload
    def get(
        self,
        kind: Literal["return-orders"],
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[ReturnItem]: ...
    def get(
        self,
        kind: Kind,
        batch_id: BatchId,
        *,
        only_failed: bool = False,
        page: int | None = None,
        per_page: int | None = None,
    ) -> BatchResult[Any]:
        """A batch's status and, once it is final, one outcome per item (``NotFound`` for
        another seller's batch, an unknown id, or one purged after the retention period).

        ``only_failed`` keeps the items that were not applied; ``page`` / ``per_page`` (at most
        100) give one page of the (matching) items, with ``pagination``."""
        operation = operations.results(
            kind_spec(kind), batch_id, only_failed=only_failed, page=page, per_page=per_page
        )
        return self._session.run(operation)

    def iter_failed(
        self, kind: Kind, batch_id: BatchId, *, per_page: int = MAX_PER_PAGE
    ) -> Iterator[ResultItem[Any]]:
        """Every item of a final batch that was not applied, with its errors, a page at a time
        (nothing while the batch is not final)."""
        page: int | None = 1
        while page is not None:
            result = self.get(kind, batch_id, only_failed=True, page=page, per_page=per_page)
            yield from result.items
            page = result.pagination.next_page if result.pagination else None


class Batches:
    """The seller's batches: list them, read one, wait for one to be final."""

    def __init__(self, session: SyncSession) -> None:
        self._session = session

    def list(
        self,
        *,
        kind: Kind | str | None = None,
        status: Statuses | None = None,
        created_from: datetime | str | None = None,
        created_to: datetime | str | None = None,
        cursor: str | None = None,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> BatchesPage:
        """One page of the seller's batches, newest first: of one kind, in one status or any
        of several, created within bounds (inclusive; a time without a zone is UTC). ``cursor``
        is the previous page's ``next_cursor``."""
        operation = operations.list_batches(
            kind=kind,
            status=status,
            created_from=created_from,
            created_to=created_to,
            cursor=cursor,
            per_page=per_page,
        )
        return self._session.run(operation)

    def iter_all(
        self,
        *,
        kind: Kind | str | None = None,
        status: Statuses | None = None,
        created_from: datetime | str | None = None,
        created_to: datetime | str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[BatchSummary]:
        """Every matching batch, newest first, page after page by cursor: none is missed or
        seen twice (batches submitted meanwhile are newer than the first page, so left out)."""
        cursor: str | None = None
        while True:
            result = self.list(
                kind=kind,
                status=status,
                created_from=created_from,
                created_to=created_to,
                cursor=cursor,
                per_page=per_page,
            )
            yield from result.items
            cursor = result.next_cursor
            if cursor is None:
                return

    def get(self, batch_id: BatchId) -> BatchSummary:
        """One batch's state and counts (``NotFound`` for another seller's or an unknown one)."""
        return self._session.run(operations.get_batch(batch_id))

    @overload
    def wait(
        self,
        batch: BatchRef[ItemT],
        *,
        kind: Kind | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> BatchResult[ItemT]: ...
    @overload
    def wait(
        self,
        batch: BatchId,
        *,
        kind: Kind,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> BatchResult[Any]: ...
    def wait(
        self,
        batch: BatchRef[Any] | BatchId,
        *,
        kind: Kind | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> BatchResult[Any]:
        """Poll a batch's results until it is ``completed`` or ``failed`` and return them.

        ``batch`` is what a submit returned, or a batch id with its ``kind``. Polls start after
        ``poll_interval`` seconds and space out (x1.5, at most 10 s); after ``timeout`` seconds
        ``BatchWaitTimeout`` is raised (the batch itself goes on).
        """
        spec, batch_id = wait_target(batch, kind)
        delays = PollSchedule(timeout, poll_interval).delays(self._session.monotonic())
        while True:
            result = self._session.run(operations.results(spec, batch_id))
            if result.is_final:
                return result
            delay = delays.next(self._session.monotonic())
            if delay is None:
                raise wait_timeout(spec, batch_id, result, timeout)
            self._session.sleep(delay)
