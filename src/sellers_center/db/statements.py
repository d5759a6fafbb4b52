"""What the repositories' writes share across the two databases: the dialect's own INSERT (with
ON CONFLICT), and statements compiled once per dialect for the driver's own executemany, for
the bulk writes of a batch, where SQLAlchemy's executemany spent more building each row's
parameters than the database spent writing them (measured on the upsert's variants and
prices)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.dialects import postgresql, sqlite

Insert = postgresql.Insert | sqlite.Insert


def insert(table: Table | type[Any], dialect_name: str) -> Insert:
    """The dialect's INSERT into ``table`` (or a mapped class's), which has ON CONFLICT."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@dataclass(frozen=True, slots=True)
class DriverStatement:
    sql: str
    positional: Callable[[Sequence[Any]], tuple[Any, ...]]
    """A row's values, in the order of the names it was compiled with → the statement's
    positional parameters (one C call)."""


def compile_for_driver(statement: Any, dialect: Dialect, names: Sequence[str]) -> DriverStatement:
    """``statement`` compiled for ``dialect``; rows are given as values in ``names`` order."""
    compiled = statement.compile(dialect=dialect)
    assert compiled.positiontup is not None  # both drivers take positional parameters
    indexes = [names.index(name) for name in compiled.positiontup]
    getter = operator.itemgetter(*indexes)
    if len(indexes) == 1:
        return DriverStatement(str(compiled), lambda values: (getter(values),))
    return DriverStatement(str(compiled), getter)
