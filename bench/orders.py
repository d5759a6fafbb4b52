"""Orders benchmark: listing a seller's 100,000 orders and shipping them, beside the products
ingest rate of the same run.

    .venv/bin/python -m bench.orders [--orders 100000] [--seconds 10] [--ship-batches 30]

On an embedded server (SQLite, rate limits off), in one run:

1. products ingest, the reference: 100-variant batches from ``--clients`` clients at once
   (bench/ingest.py's saturated run), measured first and again last, as the machine's load moves;
2. the demo seller gets ``--orders`` orders of one item each, written with SQL while the server
   is stopped (placing them through the service would take minutes; the rows are what placement
   writes), spread over the last 100 days, every one open and shipped to Germany;
3. ``GET /api/v1/orders/?per_page=100`` by 8 keep-alive connections (bench/loadgen.py) for
   page 1, for the last page reached by a keyset cursor, and for the same page by number (an
   offset of ``orders - 100``), as orders listed per second;
4. ship batches of 100 items (one order item each, DHL to Germany) from ``--clients`` clients
   at once, as items and batches per second, each batch applied once with every item a success.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench import loadgen
from bench.embedded import EmbeddedServer, demo_seller_id
from bench.seeded import ingest, measured_payloads, warm_up

PER_PAGE = 100
ITEMS_PER_SHIP_BATCH = 100
SPREAD_DAYS = 100
# Rows per transaction while seeding: keeps the write-ahead log small.
ROWS_PER_COMMIT = 20_000
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
FIRST_ORDER_NUMBER = 500_000_000_000
LIST_CONNECTIONS = 8


@dataclass(frozen=True)
class Row:
    scenario: str
    items: float
    seconds: float
    unit: str

    @property
    def rate(self) -> float:
        return self.items / self.seconds


def _order_rows(seller_id: int, count: int, now: datetime) -> Iterator[tuple[object, ...]]:
    step = timedelta(days=SPREAD_DAYS) / count
    start = now - timedelta(days=SPREAD_DAYS)
    for n in range(count):
        created = (start + step * n).strftime(SQLITE_TIME)
        number = str(FIRST_ORDER_NUMBER + n)
        yield (
            n + 1, seller_id, number, "open", "DE", "EUR", "dropshipping",
            f"C{n:010d}", f"customer.{n}@example.com", "+49 151 0000000",
            "Sophie", "Schmidt", "Bahnhofstraße 61", None, "80331", "München", "DE",
            "Sophie", "Schmidt", "Bahnhofstraße 61", None, "80331", "München", "DE",
            created, created,
        )  # fmt: skip


def _item_rows(seller_id: int, count: int, now: datetime) -> Iterator[tuple[object, ...]]:
    step = timedelta(days=SPREAD_DAYS) / count
    start = now - timedelta(days=SPREAD_DAYS)
    for n in range(count):
        created = (start + step * n).strftime(SQLITE_TIME)
        yield (
            n + 1, n + 1, seller_id, f"BENCH-{n % 500:03d}", "Bench jacket", "M", "open",
            12995, 10920, "19", created,
        )  # fmt: skip


def _insert(
    connection: sqlite3.Connection, statement: str, rows: Iterator[tuple[object, ...]]
) -> None:
    while chunk := [row for _, row in zip(range(ROWS_PER_COMMIT), rows, strict=False)]:
        connection.executemany(statement, chunk)
        connection.commit()


def seed_orders(database: Path, count: int) -> None:
    """``count`` open orders of one item each for the demo seller, oldest first."""
    seller_id = demo_seller_id(database)
    now = datetime.now(UTC)
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA synchronous=OFF")  # scratch data: durability does not matter
        columns = (
            "id, seller_id, order_number, status, shop_country, currency, fulfillment_type, "
            "customer_key, customer_email, customer_phone, shipping_first_name, "
            "shipping_last_name, shipping_street, shipping_additional, shipping_zip_code, "
            "shipping_city, shipping_country_code, billing_first_name, billing_last_name, "
            "billing_street, billing_additional, billing_zip_code, billing_city, "
            "billing_country_code, created_at, updated_at"
        )
        marks = ", ".join("?" * 26)
        _insert(
            connection,
            f"INSERT INTO orders ({columns}) VALUES ({marks})",
            _order_rows(seller_id, count, now),
        )
        item_columns = (
            "id, order_id, seller_id, sku, product_name, size_label, status, price_with_tax, "
            "price_without_tax, vat, created_at"
        )
        _insert(
            connection,
            f"INSERT INTO order_items ({item_columns}) VALUES ({', '.join('?' * 11)})",
            _item_rows(seller_id, count, now),
        )
    finally:
        connection.close()


def deep_cursor(database: Path, count: int) -> str:
    """The cursor of the last page, as ``pagination.next`` of the page before it gives it."""
    with sqlite3.connect(database) as connection:
        created, order_id = connection.execute(
            "SELECT created_at, id FROM orders ORDER BY created_at, id LIMIT 1 OFFSET ?",
            (count - PER_PAGE - 1,),
        ).fetchone()
    moment = datetime.fromisoformat(created).replace(tzinfo=UTC)
    page = count // PER_PAGE
    text = json.dumps([moment.isoformat(), order_id, page], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def list_rate(server: EmbeddedServer, query: str, seconds: float, label: str) -> Row:
    host, port, request = loadgen.build_request(
        f"{server.url}/api/v1/orders/?{query}", [("X-API-Key", server.key)]
    )
    tally = loadgen.hammer(host, port, request, connections=LIST_CONNECTIONS, seconds=seconds)
    if tally.errors or tally.problems:
        raise RuntimeError(f"{label}: {tally.errors} errors, {tally.problems[:3]}")
    return Row(label, tally.responses * PER_PAGE, tally.seconds, "orders")


def ship_payloads(batches: int) -> list[bytes]:
    return [
        json.dumps(
            {
                "items": [
                    {
                        "order_items": [item_id],
                        "carrier_key": "DHL_STD_NATIONAL",
                        "shipment_tracking_key": f"00340434{item_id:012d}",
                    }
                    for item_id in range(
                        1 + n * ITEMS_PER_SHIP_BATCH, 1 + (n + 1) * ITEMS_PER_SHIP_BATCH
                    )
                ]
            }
        ).encode()
        for n in range(batches)
    ]


async def _ship(server: EmbeddedServer, payloads: Sequence[bytes], clients: int) -> list[str]:
    headers = {"X-API-Key": server.key, "Content-Type": "application/json"}

    async def client_run(share: Sequence[bytes]) -> list[str]:
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as client:
            ids = []
            for body in share:
                response = await client.post("/api/v1/orders/ship", content=body)
                response.raise_for_status()
                ids.append(response.json()["batchRequestId"])
            return ids

    shares = [payloads[n::clients] for n in range(clients)]
    done = await asyncio.gather(*(client_run(share) for share in shares))
    ids = [batch_id for share in done for batch_id in share]
    await server.wait_final(ids)
    return ids


def ship_rate(server: EmbeddedServer, batches: int, clients: int) -> Row:
    start = time.perf_counter()
    asyncio.run(_ship(server, ship_payloads(batches), clients))
    seconds = time.perf_counter() - start
    with server.connect() as connection:
        shipped = connection.execute(
            "SELECT count(*) FROM order_items WHERE status = 'shipped'"
        ).fetchone()[0]
    if shipped != batches * ITEMS_PER_SHIP_BATCH:
        raise RuntimeError(f"{shipped} items shipped of {batches * ITEMS_PER_SHIP_BATCH}")
    label = f"ship, {clients} clients, batches of {ITEMS_PER_SHIP_BATCH} items"
    return Row(label, shipped, seconds, "items")


def print_table(rows: Sequence[Row], reference: float) -> None:
    header = ["scenario", "count", "seconds", "per second", "/ products ingest"]
    table = [header] + [
        [
            row.scenario,
            f"{row.items:,.0f} {row.unit}",
            f"{row.seconds:.2f}",
            f"{row.rate:,.0f}",
            f"{row.rate / reference:.2f}",
        ]
        for row in rows
    ]
    widths = [max(len(line[n]) for line in table) for n in range(len(header))]
    for number, line in enumerate(table):
        cells = [
            c.ljust(w) if n == 0 else c.rjust(w)
            for n, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if number == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per listing scenario")
    parser.add_argument("--ship-batches", type=int, default=30)
    parser.add_argument("--ingest-batches", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    if (
        options.orders < options.ship_batches * ITEMS_PER_SHIP_BATCH
        or options.orders < 2 * PER_PAGE
    ):
        parser.error("--orders must cover the ship batches and two pages")

    with tempfile.TemporaryDirectory(prefix="sellers-center-bench-") as folder:
        server = EmbeddedServer(Path(folder))
        with server.start():
            warm_up(server, options.clients)
            before = ingest(server, measured_payloads(options.ingest_batches), options.clients)
            server.stop()
            seed_orders(server.database, options.orders)
            server.start()
            last_page = options.orders // PER_PAGE
            rows = [
                Row("products ingest (first)", before.items, before.seconds, "variants"),
                list_rate(server, f"per_page={PER_PAGE}", options.seconds, "list, page 1"),
                list_rate(
                    server,
                    f"per_page={PER_PAGE}&cursor={deep_cursor(server.database, options.orders)}",
                    options.seconds,
                    f"list, last page by cursor ({options.orders:,} orders)",
                ),
                list_rate(
                    server,
                    f"per_page={PER_PAGE}&page={last_page}",
                    options.seconds,
                    f"list, page {last_page:,} by number (offset)",
                ),
                ship_rate(server, options.ship_batches, options.clients),
            ]
            first = options.ingest_batches + options.clients
            after = ingest(
                server, measured_payloads(options.ingest_batches, first), options.clients
            )
            rows.append(Row("products ingest (last)", after.items, after.seconds, "variants"))
    reference = (before.rate + after.rate) / 2
    print_table(rows, reference)
    ship = rows[4]
    print(
        f"\nship: {ship.rate / ITEMS_PER_SHIP_BATCH:.1f} batches of {ITEMS_PER_SHIP_BATCH} items "
        f"per second; products ingest {before.rate:,.0f} then {after.rate:,.0f} variants/s "
        f"(reference: their mean, {reference:,.0f})"
    )


if __name__ == "__main__":
    main()
