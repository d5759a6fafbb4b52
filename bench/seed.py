"""Grow an embedded database to a given size fast, with SQL, while its server is stopped.

Ingesting 200,000 variants through the API takes minutes; copying rows takes seconds. The copies
come from rows the service itself stored (a template), with only identity, keys and times
replaced, so they are what the service would have stored; every column is copied by name, so
columns added later are carried over. Nothing here runs ``ANALYZE``: the planner statistics are
the ones the service leaves, which is part of what the growth benchmarks measure.

- Variants: the seller's first stored styles and their variants are copied under new style
  keys (``SEED-…``), SKUs and EANs (valid check digits, a serial range no payload of
  bench/payloads.py reaches).
- Batches: one stored final batch, its payload and its result are copied under new UUIDv7 ids,
  created evenly over the last ``SPREAD_DAYS`` (inside the default 30-day retention, so the
  worker's purge leaves them alone), each finished 55 ms after it was created.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
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


def _rows(connection: sqlite3.Connection, query: str, *arguments: Any) -> list[dict[str, Any]]:
    cursor = connection.execute(query, arguments)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _insert(
    connection: sqlite3.Connection, table: str, rows: Iterator[dict[str, Any]], columns: list[str]
) -> None:
    statement = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    while True:
        chunk = [tuple(row[name] for name in columns) for row in islice(rows, ROWS_PER_COMMIT)]
        if not chunk:
            return
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
        stored = connection.execute(
            "SELECT count(*) FROM product_variants WHERE seller_id = ?", (seller_id,)
        ).fetchone()[0]
        if stored >= target:
            return 0
        styles = _rows(
            connection,
            "SELECT * FROM product_styles WHERE seller_id = ? AND style_key NOT LIKE ? "
            "ORDER BY id LIMIT ?",
            seller_id,
            SEED_PREFIX + "%",
            TEMPLATE_STYLES,
        )
        variants = _rows(
            connection,
            f"SELECT * FROM product_variants WHERE style_id IN ({','.join('?' * len(styles))}) "
            "ORDER BY id",
            *(style["id"] for style in styles),
        )
        if not variants:
            raise RuntimeError("no stored variants to copy: ingest one batch first")
        by_style = {
            style["id"]: [v for v in variants if v["style_id"] == style["id"]] for style in styles
        }
        templates = [(style, by_style[style["id"]]) for style in styles if by_style[style["id"]]]
        seeded = connection.execute(
            "SELECT count(*) FROM product_styles WHERE style_key LIKE ?", (SEED_PREFIX + "%",)
        ).fetchone()[0]
        next_style_id = connection.execute("SELECT max(id) FROM product_styles").fetchone()[0] + 1
        new_styles: list[dict[str, Any]] = []
        new_variants: list[dict[str, Any]] = []
        serial = (
            FIRST_SEED_EAN_SERIAL
            + connection.execute(
                "SELECT count(*) FROM product_variants WHERE sku LIKE ?", (SEED_PREFIX + "%",)
            ).fetchone()[0]
        )
        number = seeded
        while stored + len(new_variants) < target:
            style, members = templates[number % len(templates)]
            key = f"{SEED_PREFIX}{number:08d}"
            new_styles.append({**style, "id": next_style_id, "style_key": key})
            for variant in members[: target - stored - len(new_variants)]:
                new_variants.append(
                    _copy_variant(variant, style["style_key"], key, next_style_id, serial)
                )
                serial += 1
            next_style_id += 1
            number += 1
        _insert(connection, "product_styles", iter(new_styles), list(styles[0]))
        new_variants.sort(key=lambda row: row["sku"])
        for row in new_variants:
            del row["id"]
        _insert(connection, "product_variants", iter(new_variants), list(new_variants[0]))
        return len(new_variants)
    finally:
        connection.close()


def _copy_variant(
    variant: dict[str, Any], old_key: str, new_key: str, style_id: int, serial: int
) -> dict[str, Any]:
    body = f"40{serial:010d}"
    ean = body + ean_checksum.calc_check_digit(body)
    data = variant["data"].replace(old_key, new_key)
    if variant["ean"]:
        data = data.replace(variant["ean"], ean)
    return {
        **variant,
        "style_id": style_id,
        "sku": variant["sku"].replace(old_key, new_key, 1),
        "ean": ean,
        "data": data,
    }


def seed_batches(
    database: Path,
    template_id: str,
    target: int,
    *,
    now: datetime | None = None,
    seed: int = 14,
) -> int:
    """Copy the final batch ``template_id`` (with its payload and result) until the database
    holds ``target`` batches, the newest created an hour before ``now``; returns how many were
    added."""
    hex_id = template_id.replace("-", "")
    connection = _connect(database)
    try:
        stored = connection.execute("SELECT count(*) FROM batches").fetchone()[0]
        if stored >= target:
            return 0
        [batch] = _rows(connection, "SELECT * FROM batches WHERE id = ?", hex_id)
        [payload] = _rows(connection, "SELECT * FROM batch_payloads WHERE batch_id = ?", hex_id)
        [result] = _rows(connection, "SELECT * FROM batch_results WHERE batch_id = ?", hex_id)
        if batch["finished_at"] is None:
            raise RuntimeError("the template batch is not final")
        added = target - stored
        end = (now or datetime.now(UTC)) - timedelta(hours=1)
        ids = _batch_ids(added, end, random.Random(seed + stored))
        _insert(connection, "batches", _batch_copies(batch, ids), list(batch))
        for table, template in (("batch_payloads", payload), ("batch_results", result)):
            copies = ({**template, "batch_id": hex_id} for hex_id, _ in ids)
            _insert(connection, table, copies, list(template))
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
