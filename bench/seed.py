"""Grow an embedded database to a given size fast, with SQL, while its server is stopped.

Ingesting 200,000 variants through the API takes minutes; copying rows takes seconds. The copies
come from rows the service itself stored (a template), with only identity, keys and times
replaced, so they are what the service would have stored. Every column is copied by name, and
every table with a foreign key to a copied row (found in the schema) gets copies of its rows
too, so the seeding follows the schema as it changes. Nothing here runs ``ANALYZE``: the planner
statistics are the ones the service leaves, which is part of what the growth benchmarks measure.

- Variants: the seller's first stored styles and their variants are copied under new style
  keys (``SEED-…``), SKUs and EANs (valid check digits, a serial range no payload of
  bench/payloads.py reaches), replaced in every text column (the stored item's JSON too).
- Batches: one stored final batch and the rows referring to it (payload, result) are copied
  under new UUIDv7 ids, created evenly over the last ``SPREAD_DAYS`` (inside the default 30-day
  retention, so the worker's purge leaves them alone), each finished 55 ms after it was created.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from pathlib import Path
from typing import Any

from stdnum import ean as ean_checksum

TEMPLATE_STYLES = 20
SEED_PREFIX = "SEED-"
# bench/payloads.py numbers its EANs from 0 upwards; seeded ones start far above.
FIRST_SEED_EAN_SERIAL = 5_000_000_000
SPREAD_DAYS = 20
# Rows per transaction: keeps the write-ahead log small while seeding a million batches.
ROWS_PER_COMMIT = 50_000
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database)
    # A scratch database: durability of the seeding itself does not matter.
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-200000")
    return connection


Row = dict[str, Any]


def _rows(connection: sqlite3.Connection, query: str, *arguments: Any) -> list[Row]:
    cursor = connection.execute(query, arguments)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _insert(connection: sqlite3.Connection, table: str, rows: Iterator[Row]) -> None:
    """Insert ``rows`` (all with the same columns) in transactions of ROWS_PER_COMMIT."""
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    rows = chain([first], rows)
    while chunk := [tuple(row[name] for name in columns) for row in islice(rows, ROWS_PER_COMMIT)]:
        connection.executemany(statement, chunk)
        connection.commit()


def count(database: Path, table: str, seller_id: int) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table} WHERE seller_id = ?", (seller_id,))
        return int(row.fetchone()[0])


def seed_variants(database: Path, seller_id: int, target: int) -> int:
    """Copy the seller's template styles until it has ``target`` variants; returns how many
    variants were added."""
    connection = _connect(database)
    try:
        stored = _scalar(
            connection, "SELECT count(*) FROM product_variants WHERE seller_id = ?", seller_id
        )
        if stored >= target:
            return 0
        plan = _plan(connection, _templates(connection, seller_id), target - stored)
        style_children = _children(connection, "product_styles")
        variant_children = _children(connection, "product_variants")
        style_children.pop("product_variants")
        _insert(connection, "product_styles", _style_copies(plan))
        for table, column in style_children.items():
            key = _integer_key(connection, table)
            _insert(connection, table, _style_child_copies(plan, table, column, key))
        _insert(connection, "product_variants", _variant_copies(plan))
        for table, column in variant_children.items():
            key = _integer_key(connection, table)
            _insert(connection, table, _variant_child_copies(plan, table, column, key))
        return sum(len(copy.variants) for copy in plan)
    finally:
        connection.close()


@dataclass
class _Template:
    """A stored style with its variants and the rows that refer to either."""

    style: Row
    variants: list[Row]
    style_rows: dict[str, list[Row]]  # table: rows referring to the style
    variant_rows: dict[int, dict[str, list[Row]]]  # variant id: table: rows referring to it


@dataclass
class _Copy:
    template: _Template
    style_id: int
    replacements: list[tuple[str, str]]  # old style key to new
    variants: list[tuple[Row, int, list[tuple[str, str]]]]  # template, new id, replacements


def _scalar(connection: sqlite3.Connection, query: str, *arguments: Any) -> Any:
    return connection.execute(query, arguments).fetchone()[0]


def _children(connection: sqlite3.Connection, parent: str) -> dict[str, str]:
    """Every table with a foreign key to ``parent``: its referring column."""
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        table: key[3]
        for table in tables
        for key in connection.execute(f"PRAGMA foreign_key_list({table})")
        if key[2] == parent
    }


def _integer_key(connection: sqlite3.Connection, table: str) -> str | None:
    """The table's INTEGER PRIMARY KEY column (SQLite numbers new rows), if it has one."""
    columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
    keys = [(name, kind) for _, name, kind, _, _, is_key in columns if is_key]
    return keys[0][0] if len(keys) == 1 and keys[0][1].upper() == "INTEGER" else None


def _referring(
    connection: sqlite3.Connection, parent: str, ids: Sequence[int]
) -> dict[str, dict[int, list[Row]]]:
    """Rows of every table referring to the ``parent`` rows ``ids``, by table and parent id."""
    found: dict[str, dict[int, list[Row]]] = {}
    marks = ",".join("?" * len(ids))
    for table, column in _children(connection, parent).items():
        by_parent: dict[int, list[Row]] = {}
        for row in _rows(connection, f"SELECT * FROM {table} WHERE {column} IN ({marks})", *ids):
            by_parent.setdefault(row[column], []).append(row)
        found[table] = by_parent
    return found


def _templates(connection: sqlite3.Connection, seller_id: int) -> list[_Template]:
    styles = _rows(
        connection,
        "SELECT * FROM product_styles WHERE seller_id = ? AND style_key NOT LIKE ? "
        "ORDER BY id LIMIT ?",
        seller_id,
        SEED_PREFIX + "%",
        TEMPLATE_STYLES,
    )
    of_styles = _referring(connection, "product_styles", [style["id"] for style in styles])
    variants = of_styles.pop("product_variants")
    variant_ids = [v["id"] for members in variants.values() for v in members]
    if not variant_ids:
        raise RuntimeError("no stored variants to copy: ingest one batch first")
    of_variants = _referring(connection, "product_variants", variant_ids)
    return [
        _Template(
            style,
            variants[style["id"]],
            {table: rows.get(style["id"], []) for table, rows in of_styles.items()},
            {
                v["id"]: {table: rows.get(v["id"], []) for table, rows in of_variants.items()}
                for v in variants[style["id"]]
            },
        )
        for style in styles
        if style["id"] in variants
    ]


def _plan(connection: sqlite3.Connection, templates: list[_Template], count: int) -> list[_Copy]:
    """New styles (``SEED-<n>``) copying the templates in turn, until ``count`` variants."""
    number = _scalar(
        connection, "SELECT count(*) FROM product_styles WHERE style_key LIKE ?", SEED_PREFIX + "%"
    )
    style_id = _scalar(connection, "SELECT max(id) FROM product_styles") + 1
    variant_id = _scalar(connection, "SELECT max(id) FROM product_variants") + 1
    serial = FIRST_SEED_EAN_SERIAL + _scalar(
        connection, "SELECT count(*) FROM product_variants WHERE sku LIKE ?", SEED_PREFIX + "%"
    )
    plan: list[_Copy] = []
    while count > 0:
        template = templates[number % len(templates)]
        renamed = [(template.style["style_key"], f"{SEED_PREFIX}{number:08d}")]
        copy = _Copy(template, style_id, renamed, [])
        for variant in template.variants[:count]:
            replacements = renamed + ([(variant["ean"], _ean(serial))] if variant["ean"] else [])
            copy.variants.append((variant, variant_id, replacements))
            variant_id, serial, count = variant_id + 1, serial + 1, count - 1
        plan.append(copy)
        number, style_id = number + 1, style_id + 1
    return plan


def _ean(serial: int) -> str:
    body = f"40{serial:010d}"
    return body + ean_checksum.calc_check_digit(body)


def _replaced(row: Row, replacements: list[tuple[str, str]], drop: str | None = None) -> Row:
    """The row with the old style key and EAN replaced in every text (keys, SKU, stored JSON)."""
    copied = {}
    for name, value in row.items():
        if name == drop:
            continue
        if isinstance(value, str):
            for old, new in replacements:
                value = value.replace(old, new)
        copied[name] = value
    return copied


def _style_copies(plan: list[_Copy]) -> Iterator[Row]:
    for copy in plan:
        yield {**_replaced(copy.template.style, copy.replacements), "id": copy.style_id}


def _style_child_copies(
    plan: list[_Copy], table: str, column: str, key: str | None
) -> Iterator[Row]:
    for copy in plan:
        for row in copy.template.style_rows[table]:
            yield {**_replaced(row, copy.replacements, key), column: copy.style_id}


def _variant_copies(plan: list[_Copy]) -> Iterator[Row]:
    for copy in plan:
        for variant, variant_id, replacements in copy.variants:
            copied = _replaced(variant, replacements)
            yield {**copied, "id": variant_id, "style_id": copy.style_id}


def _variant_child_copies(
    plan: list[_Copy], table: str, column: str, key: str | None
) -> Iterator[Row]:
    for copy in plan:
        for variant, variant_id, replacements in copy.variants:
            for row in copy.template.variant_rows[variant["id"]][table]:
                yield {**_replaced(row, replacements, key), column: variant_id}


def seed_batches(
    database: Path,
    template_id: str,
    target: int,
    *,
    now: datetime | None = None,
    seed: int = 14,
) -> int:
    """Copy the final batch ``template_id`` (and the rows referring to it: payload, result)
    until the database holds ``target`` batches, the newest created an hour before ``now``;
    returns how many were added."""
    hex_id = template_id.replace("-", "")
    connection = _connect(database)
    try:
        stored = _scalar(connection, "SELECT count(*) FROM batches")
        if stored >= target:
            return 0
        [batch] = _rows(connection, "SELECT * FROM batches WHERE id = ?", hex_id)
        if batch["finished_at"] is None:
            raise RuntimeError("the template batch is not final")
        added = target - stored
        end = (now or datetime.now(UTC)) - timedelta(hours=1)
        ids = _batch_ids(added, end, random.Random(seed + stored))
        _insert(connection, "batches", _batch_copies(batch, ids))
        for table, by_batch in _referring(connection, "batches", [hex_id]).items():
            column = _children(connection, "batches")[table]
            key = _integer_key(connection, table)
            for template in by_batch.get(hex_id, []):
                copies = (_replaced(template, [], key) | {column: new} for new, _ in ids)
                _insert(connection, table, copies)
        return added
    finally:
        connection.close()


def _batch_ids(number: int, end: datetime, generator: random.Random) -> list[tuple[str, datetime]]:
    """(UUIDv7 as SQLite stores it, creation time), oldest first, as the service makes them."""
    step = timedelta(days=SPREAD_DAYS) / max(number, 1)
    created = [end - step * (number - n) for n in range(number)]
    return [(_uuid7_hex(moment, generator), moment) for moment in created]


def _uuid7_hex(moment: datetime, generator: random.Random) -> str:
    milliseconds = int(moment.timestamp() * 1000)
    random_a, random_b = generator.getrandbits(12), generator.getrandbits(62)
    value = milliseconds << 80 | 0x7 << 76 | random_a << 64 | 0b10 << 62 | random_b
    return f"{value:032x}"


def _batch_copies(
    template: dict[str, Any], ids: Sequence[tuple[str, datetime]]
) -> Iterator[dict[str, Any]]:
    for hex_id, created in ids:
        started = created + timedelta(milliseconds=5)
        stamp = created.replace(tzinfo=None).strftime(SQLITE_TIME)
        yield {
            **template,
            "id": hex_id,
            "created_at": stamp,
            "available_at": stamp,
            "started_at": started.replace(tzinfo=None).strftime(SQLITE_TIME),
            "finished_at": (started + timedelta(milliseconds=50))
            .replace(tzinfo=None)
            .strftime(SQLITE_TIME),
            "dedup_key": None,
            "lease_owner": None,
            "lease_expires_at": None,
        }


def stored_batch_ids(database: Path, kind: str, sample: int, *, seed: int = 14) -> list[str]:
    """``sample`` ids of stored batches of ``kind``, drawn from the whole table (dashed form)."""
    with sqlite3.connect(database) as connection:
        ids = [
            row[0] for row in connection.execute("SELECT id FROM batches WHERE kind = ?", (kind,))
        ]
    chosen = random.Random(seed).sample(ids, min(sample, len(ids)))
    return [f"{i[:8]}-{i[8:12]}-{i[12:16]}-{i[16:20]}-{i[20:]}" for i in chosen]
