"""Reading a file of items, streamed: JSON lines, a JSON array, or CSV (``_csv.py``).

Each item comes with the line it starts on, so a bad item is named by its line and a failed one
can be found again. Nothing holds more than one item (and one read buffer) in memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sellers_center_client.push._csv import CsvMapping
from sellers_center_client.push._errors import SourceError

READ_SIZE = 1 << 16  # characters per read of a JSON array
_WHITESPACE = " \t\r\n"


class SourceFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"


SUFFIXES = {".jsonl": SourceFormat.JSONL, ".ndjson": SourceFormat.JSONL, ".json": SourceFormat.JSON}
SUFFIXES[".csv"] = SourceFormat.CSV


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One item of the file: its position (1-based, in file order), the line it starts on, and
    its fields as read."""

    number: int
    line: int
    fields: dict[str, Any]


def detect_format(path: Path, given: SourceFormat | None) -> SourceFormat:
    """The format asked for, else the one the file's suffix names."""
    if given is not None:
        return given
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(SUFFIXES))
        raise SourceError(path, None, f"cannot tell the format from the suffix (known: {known})")
    return found


def read_items(path: Path, source_format: SourceFormat) -> Iterator[SourceItem]:
    """Every item of the file, in order; raises SourceError at the first unreadable one."""
    with path.open("rb") as raw:
        yield from items_of(raw, path, source_format)


def items_of(raw: IO[bytes], path: Path, source_format: SourceFormat) -> Iterator[SourceItem]:
    """The items of an open binary file (see ``read_items``)."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        if source_format is SourceFormat.JSONL:
            found = _json_lines(text, path)
        elif source_format is SourceFormat.JSON:
            found = _json_array(text, path)
        else:
            found = _csv_rows(text, path)
        for number, (line, fields) in enumerate(found, start=1):
            yield SourceItem(number, line, fields)
    except UnicodeDecodeError as error:
        raise SourceError(path, None, f"not UTF-8 text ({error.reason})") from None
    finally:
        text.detach()


def _object(value: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(path, line, f"an item must be a JSON object, got {type(value).__name__}")
    return value


def _json_lines(text: IO[str], path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_number, line in enumerate(text, start=1):
        if not line.strip():
            continue  # blank lines (a trailing newline, spacing) are not items
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise SourceError(path, line_number, f"not valid JSON: {error.msg}") from None
        yield line_number, _object(value, path, line_number)


class _ArrayReader:
    """A JSON array read element by element: the buffer holds one element and a read ahead."""

    def __init__(self, text: IO[str], path: Path) -> None:
        self.text = text
        self.path = path
        self.buffer = ""
        self.position = 0
        self.line = 1  # the line of ``position``
        self.is_exhausted = False

    def _fill(self) -> bool:
        """Read more, keeping what is not consumed; False at the end of the file."""
        if self.is_exhausted:
            return False
        more = self.text.read(max(READ_SIZE, len(self.buffer)))  # doubles for a huge element
        self.buffer = self.buffer[self.position :] + more
        self.position = 0
        self.is_exhausted = more == ""
        return not self.is_exhausted

    def skip_whitespace(self) -> str:
        """The next character that is not whitespace ('' at the end of the file)."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in _WHITESPACE:
                self.line += self.buffer[self.position] == "\n"
                self.position += 1
            if self.position < len(self.buffer) or not self._fill():
                return self.buffer[self.position : self.position + 1]

    def take(self, expected: str) -> None:
        found = self.skip_whitespace()
        if found != expected:
            shown = repr(found) if found else "the end of the file"
            raise SourceError(self.path, self.line, f"expected {expected!r}, found {shown}")
        self.position += 1

    def element(self) -> Any:
        decoder = json.JSONDecoder()
        while True:
            try:
                value, end = decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                if self._fill():
                    continue  # the element may go on past the buffer
                line = self.line + self.buffer.count("\n", self.position, error.pos)
                raise SourceError(self.path, line, f"not valid JSON: {error.msg}") from None
            if end == len(self.buffer) and self._fill():
                continue  # a number may go on past the buffer: read it whole
            self.line += self.buffer.count("\n", self.position, end)
            self.position = end
            return value


def _json_array(text: IO[str], path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = _ArrayReader(text, path)
    reader.take("[")
    if reader.skip_whitespace() == "]":
        reader.position += 1
    else:
        while True:
            reader.skip_whitespace()
            line = reader.line
            yield line, _object(reader.element(), path, line)
            if reader.skip_whitespace() == "]":
                reader.position += 1
                break
            reader.take(",")
    if reader.skip_whitespace() != "":
        raise SourceError(path, reader.line, "unexpected content after the array")


def _csv_rows(text: IO[str], path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    rows = csv.reader(text, strict=True)
    try:
        header = next(rows, None)
        if header is None:
            return
        mapping = CsvMapping.from_header(header, path)
        start = rows.line_num + 1
        for row in rows:
            if any(cell.strip() for cell in row):
                yield start, mapping.item(row, path, start)
            start = rows.line_num + 1
    except csv.Error as error:
        raise SourceError(path, rows.line_num, f"not valid CSV: {error}") from None


class HashingReader(io.RawIOBase):
    """A binary file that hashes what is read through it (the file's fingerprint, taken while
    its items are counted)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)
