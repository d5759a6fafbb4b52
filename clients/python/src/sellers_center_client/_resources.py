"""The resources of the blocking ``Client``; ``_async_resources.py`` mirrors them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sellers_center_client import _operations as operations
from sellers_center_client._batch import BatchRef, ItemT
from sellers_center_client._catalog import (
    AttributeGroup,
    Brand,
    Carrier,
    CarriersPage,
    CategoriesPage,
    Category,
    Countries,
)
from sellers_center_client._inventory import PriceItem, StatusItem, StockItem
from sellers_center_client._kind import PRICES, PRODUCTS, STATUS, STOCKS, KindSpec
from sellers_center_client._page import DEFAULT_PER_PAGE, MAX_PER_PAGE
from sellers_center_client._products import (
    Product,
    ProductItem,
    ProductsPage,
    ProductStatus,
    RejectedProduct,
    RejectedProductsPage,
)
from sellers_center_client._session import SyncSession


class _Submitter:
    def __init__(self, session: SyncSession, *, automatic_keys: bool) -> None:
        self._session = session
        self._automatic_keys = automatic_keys

    def _submit(
        self,
        spec: KindSpec[ItemT],
        items: Iterable[ItemT | Mapping[str, Any]],
        idempotency_key: str | None,
    ) -> BatchRef[ItemT]:
        key = operations.idempotency_key(idempotency_key, automatic=self._automatic_keys)
        return self._session.run(operations.submit(spec, items, key))


class Products(_Submitter):
    """Product variants: upsert, list, delete, rejected styles."""

    def upsert(
        self,
        items: Iterable[ProductItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[ProductItem]:
        """Submit 1 to 100 variants to create or update; returns at once with the batch.

        Items are ``ProductItem`` models or mappings of the same fields (checked before
        sending: an unknown field or a wrong type raises ``InvalidRequest``). The business rules
        are checked by the service's workers: read each item's outcome with
        ``client.batches.wait(ref)``. ``idempotency_key`` defaults to a fresh one per call,
        reused by its retries; pass your own to make a later resubmission safe.
        """
        return self._submit(PRODUCTS, items, idempotency_key)

    def list(
        self,
        *,
        style_key: str | None = None,
        sku: str | None = None,
        status: ProductStatus | str | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> ProductsPage:
        """One page of the seller's variants (``per_page`` at most 100), filtered by style,
        SKU or publication status."""
        operation = operations.list_products(
            style_key=style_key, sku=sku, status=status, page=page, per_page=per_page
        )
        return self._session.run(operation)

    def iter_all(
        self,
        *,
        style_key: str | None = None,
        sku: str | None = None,
        status: ProductStatus | str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[Product]:
        """Every variant matching the filters, page after page, fetched as the loop goes.

        Pages are read by number, so variants created or deleted meanwhile may shift an item
        between pages (it may be missed or seen twice)."""
        page: int | None = 1
        while page is not None:
            result = self.list(
                style_key=style_key, sku=sku, status=status, page=page, per_page=per_page
            )
            yield from result.items
            page = result.pagination.next_page

    def delete(self, sku: str) -> None:
        """Delete a variant of a draft style. ``NotFound`` for an unknown SKU, ``Conflict``
        once the style left draft. A retried delete whose first attempt went through gets
        ``NotFound``."""
        self._session.run(operations.delete_product(sku))

    def rejected(
        self, *, style_key: str | None = None, page: int = 1, per_page: int = DEFAULT_PER_PAGE
    ) -> RejectedProductsPage:
        """One page of the seller's rejected styles with the catalogue's rejection reasons."""
        operation = operations.rejected_products(style_key=style_key, page=page, per_page=per_page)
        return self._session.run(operation)

    def iter_rejected(
        self, *, style_key: str | None = None, per_page: int = MAX_PER_PAGE
    ) -> Iterator[RejectedProduct]:
        """Every rejected style, page after page."""
        page: int | None = 1
        while page is not None:
            result = self.rejected(style_key=style_key, page=page, per_page=per_page)
            yield from result.items
            page = result.pagination.next_page


class StatusUpdates(_Submitter):
    """Publication status per style."""

    def update(
        self,
        items: Iterable[StatusItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[StatusItem]:
        """Submit 1 to 1000 ``{style_key, status}`` items (``published``, ``inactive``,
        ``draft``); refusals come back as item errors naming the current state."""
        return self._submit(STATUS, items, idempotency_key)


class Stocks(_Submitter):
    """Stock quantities per SKU."""

    def update(
        self,
        items: Iterable[StockItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[StockItem]:
        """Submit 1 to 1000 ``{sku, quantity, valid_at?}`` items for existing variants."""
        return self._submit(STOCKS, items, idempotency_key)


class Prices(_Submitter):
    """Prices per SKU and country."""

    def update(
        self,
        items: Iterable[PriceItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchRef[PriceItem]:
        """Submit 1 to 1000 ``{sku, price: {country_code, retail_price, sale_price?},
        valid_at?}`` items for existing variants."""
        return self._submit(PRICES, items, idempotency_key)


class Catalog:
    """Catalogue lookups: the ids products refer to."""

    def __init__(self, session: SyncSession) -> None:
        self._session = session

    def categories(
        self,
        *,
        query: str | None = None,
        parent_category: int | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> CategoriesPage:
        """One page of categories whose path holds every word of ``query`` and/or that are
        children of ``parent_category``."""
        operation = operations.categories(
            query=query, parent_category=parent_category, page=page, per_page=per_page
        )
        return self._session.run(operation)

    def iter_categories(
        self,
        *,
        query: str | None = None,
        parent_category: int | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[Category]:
        """Every matching category, page after page."""
        page: int | None = 1
        while page is not None:
            result = self.categories(
                query=query, parent_category=parent_category, page=page, per_page=per_page
            )
            yield from result.items
            page = result.pagination.next_page

    def attribute_groups(self, category_id: int) -> list[AttributeGroup]:
        """The attribute groups of a category, its ancestors' included."""
        return self._session.run(operations.attribute_groups(category_id))

    def brands(self) -> list[Brand]:
        """The brands this seller may use."""
        return self._session.run(operations.brands())

    def countries(self) -> Countries:
        """Selling countries, description locales and currencies."""
        return self._session.run(operations.countries())

    def carriers(self, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> CarriersPage:
        """One page of the carriers of the selling countries, by country then key."""
        return self._session.run(operations.carriers(page=page, per_page=per_page))

    def iter_carriers(self, *, per_page: int = MAX_PER_PAGE) -> Iterator[Carrier]:
        """Every carrier, page after page."""
        page: int | None = 1
        while page is not None:
            result = self.carriers(page=page, per_page=per_page)
            yield from result.items
            page = result.pagination.next_page
