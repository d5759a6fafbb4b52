"""Each batch kind's endpoints, item model and item limit; splitting items into batches."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from sellers_center_client._base import REJECT_UNKNOWN_FIELDS
from sellers_center_client._batch import BatchResult, ItemT, Kind
from sellers_center_client._errors import InvalidRequest
from sellers_center_client._inventory import PriceItem, StatusItem, StockItem
from sellers_center_client._orders import CancelItem, ReturnItem, ShipItem
from sellers_center_client._products import ProductItem

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class KindSpec(Generic[ItemT]):
    """How one batch kind is submitted and read back."""

    name: Kind
    method: str
    path: str
    item_model: type[ItemT]
    result_model: type[BatchResult[ItemT]]
    max_items: int
    """Items per batch the API accepts (more is a 422 for the whole request)."""

    @property
    def results_path(self) -> str:
        return f"/api/v1/results/{self.name}"

    @property
    def submit_bucket(self) -> str:
        """The server's rate-limit bucket of the submit endpoint."""
        return f"{self.name}.submit"

    @property
    def results_bucket(self) -> str:
        return f"results.{self.name}"

    def items(self, items: Iterable[ItemT | Mapping[str, Any]]) -> list[ItemT]:
        """The items as models, checked against the kind's limits; raises InvalidRequest."""
        models = [self._model(index, item) for index, item in enumerate(items)]
        if not models:
            raise InvalidRequest(f"A {self.name} batch needs at least one item")
        if len(models) > self.max_items:
            raise InvalidRequest(
                f"A {self.name} batch takes at most {self.max_items} items, got {len(models)}; "
                f"split them with chunks(items, {self.name!r})"
            )
        return models

    def _model(self, index: int, item: ItemT | Mapping[str, Any]) -> ItemT:
        if isinstance(item, self.item_model):
            return item
        try:
            return self.item_model.model_validate(item, context={REJECT_UNKNOWN_FIELDS: True})
        except ValidationError as error:
            detail = [
                {"type": e["type"], "loc": ["items", index, *e["loc"]], "msg": e["msg"]}
                for e in error.errors(include_url=False)
            ]
            raise InvalidRequest(
                f"Item {index} is not a valid {self.name} item: {detail[0]['msg']}",
                detail=detail,
            ) from None


PRODUCTS = KindSpec(
    "products", "POST", "/api/v1/products/", ProductItem, BatchResult[ProductItem], 100
)
STATUS = KindSpec(
    "status", "PUT", "/api/v1/products/status", StatusItem, BatchResult[StatusItem], 1000
)
STOCKS = KindSpec(
    "stocks", "PUT", "/api/v1/products/stocks", StockItem, BatchResult[StockItem], 1000
)
PRICES = KindSpec(
    "prices", "PUT", "/api/v1/products/prices", PriceItem, BatchResult[PriceItem], 1000
)

SHIP_ORDERS = KindSpec(
    "ship-orders", "POST", "/api/v1/orders/ship", ShipItem, BatchResult[ShipItem], 100
)
CANCEL_ORDERS = KindSpec(
    "cancel-orders", "POST", "/api/v1/orders/cancel", CancelItem, BatchResult[CancelItem], 100
)
RETURN_ORDERS = KindSpec(
    "return-orders", "POST", "/api/v1/orders/return", ReturnItem, BatchResult[ReturnItem], 100
)

KINDS: dict[str, KindSpec[Any]] = {
    spec.name: spec
    for spec in (PRODUCTS, STATUS, STOCKS, PRICES, SHIP_ORDERS, CANCEL_ORDERS, RETURN_ORDERS)
}


def kind_spec(kind: str) -> KindSpec[Any]:
    """The spec of a kind by name; raises InvalidRequest for an unknown one."""
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidRequest(f"Unknown batch kind {kind!r}; known: {', '.join(KINDS)}")
    return spec


def chunks(items: Iterable[T], kind: Kind) -> Iterator[list[T]]:
    """Split ``items`` (any iterable, read lazily) into lists of at most the kind's item limit:
    100 products, 1000 status, stock or price items, 100 ship, cancel or return items per batch.

    >>> [len(chunk) for chunk in chunks(range(250), "products")]
    [100, 100, 50]
    """
    size = kind_spec(kind).max_items
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
