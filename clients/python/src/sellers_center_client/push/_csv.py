"""The CSV column mapping: a header names where each cell goes in the item.

- ``sku``: the cell is the field's text (the item model converts it: ``"5"`` is a quantity of 5,
  ``"129.95"`` a price).
- ``price.country_code``: a dot goes into an object; ``prices.0.retail_price``: a number is a
  position in a list (from 0).
- ``countries[]``: a list of texts separated by ``|`` (``DE|AT``).
- ``size:json``: the cell is JSON (``null``, ``[2201, 1801]``, an object).
- An empty cell leaves its field out (so a list entry whose cells are all empty is left out).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sellers_center_client.push._errors import SourceError

LIST_SUFFIX = "[]"
JSON_SUFFIX = ":json"
LIST_SEPARATOR = "|"

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    path: Path_
    is_list: bool
    is_json: bool

    @classmethod
    def parse(cls, name: str) -> Column:
        bare = name.strip()
        is_json = bare.endswith(JSON_SUFFIX)
        bare = bare.removesuffix(JSON_SUFFIX)
        is_list = bare.endswith(LIST_SUFFIX)
        bare = bare.removesuffix(LIST_SUFFIX)
        parts = bare.split(".")
        if not bare or any(not part for part in parts) or parts[0].isdigit():
            raise ValueError(f"column {name!r} names no field")
        path = tuple(int(part) if part.isdigit() else part for part in parts)
        return cls(name, path, is_list, is_json)

    def value(self, cell: str) -> Any:
        if self.is_json:
            try:
                return json.loads(cell)
            except json.JSONDecodeError as error:
                raise ValueError(f"column {self.name!r} is not valid JSON: {error.msg}") from None
        if self.is_list:
            return [part.strip() for part in cell.split(LIST_SEPARATOR)]
        return cell


@dataclass(frozen=True, slots=True)
class CsvMapping:
    columns: tuple[Column, ...]

    @classmethod
    def from_header(cls, header: Sequence[str], path: Path) -> CsvMapping:
        try:
            columns = tuple(Column.parse(name) for name in header)
        except ValueError as error:
            raise SourceError(path, 1, f"header: {error}") from None
        paths = [column.path for column in columns]
        for index, column in enumerate(columns):
            clash = next((p for p in paths[:index] if _overlaps(p, column.path)), None)
            if clash is not None:
                raise SourceError(path, 1, f"header: column {column.name!r} overlaps another")
        return cls(columns)

    def item(self, row: Sequence[str], path: Path, line: int) -> dict[str, Any]:
        """The item of one row; raises SourceError naming the line."""
        if len(row) != len(self.columns):
            raise SourceError(
                path, line, f"{len(row)} cells where the header has {len(self.columns)} columns"
            )
        item: dict[str, Any] = {}
        try:
            for column, cell in zip(self.columns, row, strict=True):
                if cell.strip():
                    _put(item, column.path, column.value(cell.strip()))
        except ValueError as error:
            raise SourceError(path, line, str(error)) from None
        shaped: dict[str, Any] = _lists(item)
        return shaped


def _overlaps(first: Path_, second: Path_) -> bool:
    shorter = min(len(first), len(second))
    return first[:shorter] == second[:shorter]


def _put(item: dict[Any, Any], path: Path_, value: Any) -> None:
    target = item
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _lists(value: Any) -> Any:
    """Objects whose keys are positions become lists, in position order."""
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(key, int) for key in value):
        return [_lists(value[key]) for key in sorted(value)]
    return {key: _lists(entry) for key, entry in value.items()}
