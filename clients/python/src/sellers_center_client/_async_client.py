"""``AsyncClient``: ``Client`` for asyncio, with the same resources and methods."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx2

from sellers_center_client._async_batch_resources import Batches, Results
from sellers_center_client._async_order_resources import Orders
from sellers_center_client._async_resources import (
    Catalog,
    Prices,
    Products,
    StatusUpdates,
    Stocks,
)
from sellers_center_client._async_webhook_resources import Webhooks
from sellers_center_client._retry import RetryPolicy
from sellers_center_client._session import AsyncSession
from sellers_center_client._transport import AsyncTransport, Timeout


class AsyncClient:
    """An asyncio client of the Sellers Center API for one seller's API key.

    >>> async with AsyncClient("http://127.0.0.1:8000", api_key) as client:
    ...     ref = await client.products.upsert([item])
    ...     result = await client.batches.wait(ref)

    Resources: ``products``, ``status``, ``stocks``, ``prices`` (submits), ``results``,
    ``batches`` (waiting), ``catalog`` (lookups), ``orders`` (listing, fulfilment, documents),
    ``webhooks`` (subscriptions).
    Every error raised is a ``SellersCenterError``.

    Args:
        base_url: The service's address, e.g. ``https://sellers.example.com``.
        api_key: The seller's API key (sent as ``X-API-Key``).
        timeout: Seconds per request phase; defaults to ``Timeout()`` (connect 5 s, read 30 s).
        retry: When to retry; defaults to ``RetryPolicy()``.
        automatic_idempotency_keys: Send a fresh ``Idempotency-Key`` with every submit that
            has none of its own (so submits can be retried safely). With False, a submit
            without a key is sent once, never retried after a failure.
        transport: An ``httpx2`` transport to use instead of the network (tests, proxies).
        monotonic: The clock pacing and waits read; ``time.monotonic`` by default.
        sleep: How the client waits; ``asyncio.sleep`` by default.

    One client keeps a pool of connections and the rate-limit state of its key: make one and
    share it between the tasks of one event loop; close it when done.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        automatic_idempotency_keys: bool = True,
        transport: httpx2.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._transport = AsyncTransport(base_url, api_key, timeout or Timeout(), transport)
        session = AsyncSession(
            self._transport, retry or RetryPolicy(), monotonic=monotonic, sleep=sleep
        )
        keys = automatic_idempotency_keys
        self.products = Products(session, automatic_keys=keys)
        """Product variants: ``upsert``, ``list``, ``iter_all``, ``delete``, ``rejected``."""
        self.status = StatusUpdates(session, automatic_keys=keys)
        """Publication status per style: ``update``."""
        self.stocks = Stocks(session, automatic_keys=keys)
        """Stock per SKU: ``update``."""
        self.prices = Prices(session, automatic_keys=keys)
        """Prices per SKU and country: ``update``."""
        self.results = Results(session)
        """Per-item outcomes: ``get(kind, batch_id)`` (whole, only failed, or a page),
        ``iter_failed``."""
        self.batches = Batches(session)
        """The seller's batches: ``list``, ``iter_all``, ``get``, ``wait(batch)`` until one is
        final."""
        self.catalog = Catalog(session)
        """``categories``, ``attribute_groups``, ``brands``, ``countries``, ``carriers``."""
        self.orders = Orders(session, automatic_keys=keys)
        """Orders: ``list``, ``iter_all``, ``ship``, ``cancel``, ``return_items``, ``invoice``,
        ``delivery_document``."""
        self.webhooks = Webhooks(session)
        """Webhook subscriptions: ``types``, ``list``, ``create``, ``get``, ``update``,
        ``delete``, ``rotate_secret``, ``deliveries``, ``redeliver``."""

    async def close(self) -> None:
        """Close the connections."""
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
