"""What the repositories' writes share across the two databases: the dialect's own INSERT (with
ON CONFLICT), and statements compiled once per dialect for the driver's own executemany, for
the bulk writes of a batch, where SQLAlchemy's executemany spent more building each row's
parameters than the database spent writing them (measured on the upsert's variants and
prices).

On PostgreSQL an executemany is one execution of the statement per row, each with its own
round of the protocol and of the executor: a 100-item products batch spent about 10 ms of the
server's CPU on its 500 price rows alone, and the server shares its cores with everything else.
There the bulk writes give their rows as one array per column instead (``array_rows``), one
execution for the whole batch."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Dialect, Select, Table, bindparam, func, select
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


def array_rows(columns: Sequence[Column[Any]]) -> Select[Any]:
    """PostgreSQL: SELECT the rows given as one array parameter per column (each bound by its
    column's name, typed as an array of the column's type), zipped by ``unnest``."""
    arrays = [bindparam(column.name, type_=postgresql.ARRAY(column.type)) for column in columns]
    rows = func.unnest(*arrays).table_valued(*(column.name for column in columns))
    return select(*rows.render_derived().c)


def as_columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Rows as one list of values per column (for a statement over ``array_rows``)."""
    return [list(values) for values in zip(*rows, strict=True)]
