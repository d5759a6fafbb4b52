"""What a batch kind declares, and the registry of kinds a process serves."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine import payload


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """The final outcome of one submitted item: no errors means it was applied."""

    errors: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What a kind's ``process`` knows about the batch it is working on."""

    batch_id: uuid.UUID
    seller_id: int
    now: datetime


ProcessItems = Callable[
    [AsyncSession, BatchContext, Sequence[Any]], Awaitable[Sequence[ItemOutcome]]
]
PrepareItems = Callable[[AsyncSession, BatchContext, Sequence[Any]], Awaitable[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class ParsedBody:
    """A request body's typed items, and the items as sent for the results' echo."""

    body: bytes
    items: Sequence[Any]
    document: Any | None
    """The body as an exact parse read it, when validation started from one."""

    def echo(self) -> list[Any]:
        """The items as sent, numbers exact: from the parse validation used when it was the
        exact one, else parsed here. (Validating a Python document parsed once instead of the
        bytes, for kinds read by pydantic's JSON parser, cost 10.4 ms per 100-item products
        batch against 7.7 ms for the two parses, measured: the echo would need a second walk
        for its exact numbers.)"""
        return payload.items_of(self.document if self.document is not None else self.body)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How one of a kind's two HTTP endpoints is published."""

    method: str
    path: str
    summary: str
    operation_id: str
    rate_limit: int
    description: str | None = None
    tags: tuple[str, ...] = ()


# Every results endpoint answers 200 calls a minute per key by default (docs/api.md#limits).
RESULTS_LIMIT = 200


def results_endpoint(kind: str, summary: str, operation_id: str | None = None) -> Endpoint:
    """``GET /api/v1/results/<kind>``: the same path pattern, tag and limit for every kind."""
    return Endpoint(
        method="GET",
        path=f"/api/v1/results/{kind}",
        summary=summary,
        operation_id=operation_id or f"get_{kind}_batch_results",
        rate_limit=RESULTS_LIMIT,
        tags=("Results",),
    )


@dataclass(frozen=True, slots=True)
class BatchKind:
    """A kind of batch: its schemas, its endpoints and the function holding its rules.

    ``request_model`` is the whole request body: a model with an ``items`` list whose length
    bounds are the kind's item limits. ``process`` runs inside the worker's transaction and must
    return one outcome per item, in order; it may write but never commit.

    ``prepare``, when a kind has one, does the work on the items that needs no write, on SQLite
    in a read transaction before the write one (outside the database's one write lock): it
    returns one item per item, in order, which ``process`` is given instead. What it read may
    have changed before the write transaction, so ``process`` confirms what it relies on; and
    it takes the typed items too, which it is given when ``prepare`` raised (a fault of one item
    is then found inside the transaction, as for any item).
    """

    name: str
    request_model: type[BaseModel]
    results_model: type[BaseModel]
    process: ProcessItems
    submit: Endpoint
    results: Endpoint
    exact_numbers: bool = False
    """Numbers with a fraction are read as exact decimals before validation (prices), instead
    of by pydantic's JSON parser, which reads them as binary floats (as the contract's JSON
    Schema ``number`` says)."""
    prepare: PrepareItems | None = None

    def parse(self, body: bytes) -> ParsedBody:
        """The typed items of a request body (raises pydantic's ValidationError): its schema,
        plus what every body must be (``payload``: shallow, JSON, storable)."""
        title = self.request_model.__name__
        payload.check_nesting(body, title)
        document = None
        if self.exact_numbers:
            with contextlib.suppress(ValueError):  # not JSON: pydantic reports it below
                document = payload.exact_json(body)
        if document is not None:
            request = self.request_model.model_validate(document)
        else:
            request = self.request_model.model_validate_json(body)
        # After the schema, so that a NaN in a field is reported by the field's name.
        payload.check_numbers(body, title)
        payload.check_strings(body, title, document)
        items: Sequence[Any] = request.items  # type: ignore[attr-defined]
        return ParsedBody(body, items, document)

    @property
    def submit_bucket(self) -> str:
        return f"{self.name}.submit"

    @property
    def results_bucket(self) -> str:
        return f"results.{self.name}"


@dataclass
class KindRegistry:
    """The kinds one process serves, by name."""

    kinds: dict[str, BatchKind] = field(default_factory=dict)

    @classmethod
    def of(cls, kinds: Iterable[BatchKind]) -> KindRegistry:
        registry = cls()
        for kind in kinds:
            registry.register(kind)
        return registry

    def register(self, kind: BatchKind) -> None:
        if kind.name in self.kinds:
            raise ValueError(f"batch kind {kind.name!r} is registered twice")
        self.kinds[kind.name] = kind

    def get(self, name: str) -> BatchKind | None:
        return self.kinds.get(name)

    def __iter__(self) -> Any:
        return iter(self.kinds.values())
