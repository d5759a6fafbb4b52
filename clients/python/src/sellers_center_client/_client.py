"""``Client``: the blocking client. ``AsyncClient`` (``_async_client.py``) mirrors it."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

import httpx2

from sellers_center_client._batch_resources import Batches, Results
from sellers_center_client._order_resources import Orders
from sellers_center_client._resources import (
    Catalog,
    Prices,
    Products,
    StatusUpdates,
    Stocks,
)
from sellers_center_client._retry import RetryPolicy
from sellers_center_client._session import SyncSession
from sellers_center_client._transport import SyncTransport, Timeout
from sellers_center_client._webhook_resources import Webhooks


class Client:
    """A blocking client of the Sellers Center API for one seller's API key.

    >>> with Client("http://127.0.0.1:8000", api_key) as client:
    ...     ref = client.products.upsert([item])
    ...     result = client.batches.wait(ref)

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
        sleep: How the client waits; ``time.sleep`` by default.

    One client keeps a pool of connections and the rate-limit state of its key: make one and
    share it (also between threads); close it when done.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        automatic_idempotency_keys: bool = True,
        transport: httpx2.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transport = SyncTransport(base_url, api_key, timeout or Timeout(), transport)
        session = SyncSession(
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

    def close(self) -> None:
        """Close the connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
