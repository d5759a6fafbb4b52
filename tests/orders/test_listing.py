"""GET /api/v1/orders/ (docs/api.md#listing-orders): filters, both time formats, pages and
keyset cursors, bad queries, and tenant isolation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sellers_center.clock import ManualClock
from sellers_center.runtime import Runtime
from tests.orders.helpers import SMALL, active_jackets, batch, listed, place, ship_item
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS

HOUR = 3600


@pytest.fixture
async def five_orders(
    client: httpx.AsyncClient, runtime: Runtime, clock: ManualClock, seller: SellerKey
) -> list[str]:
    """Orders 1 to 5, placed at 00:00, 01:00, 02:00 and two at 03:00 on 2026-01-01 (UTC);
    order 2 shipped, order 3 cancelled, the others open."""
    await active_jackets(client, runtime, seller)
    numbers = []
    for hours in (0, 1, 1, 1, 0):
        clock.advance(hours * HOUR)
        numbers.append((await place(runtime, seller, {SMALL: 1})).order_number)
    await batch(client, runtime, seller, "ship-orders", [ship_item([2])])
    await batch(client, runtime, seller, "cancel-orders", [{"id": 3}])
    return numbers


def numbers_of(body: dict[str, Any]) -> list[str]:
    return [order["order_number"] for order in body["items"]]


async def test_orders_are_listed_oldest_first_with_the_pagination_block(
    client: httpx.AsyncClient, seller: SellerKey, five_orders: list[str]
) -> None:
    body = await listed(client, seller)

    assert numbers_of(body) == five_orders
    assert [order["status"] for order in body["items"]] == [
        "open",
        "shipped",
        "cancelled",
        "open",
        "open",
    ]
    assert body["pagination"] == {
        "page": 1,
        "per_page": 20,
        "pages": 1,
        "total": 5,
        "next": None,
        "prev": None,
    }


# A listing's query and the orders (by index in five_orders) it finds. One test reads them all:
# placing the five orders is most of a test's time.
FILTERS: list[tuple[dict[str, str], list[int]]] = [
    ({"order_status": "open"}, [0, 3, 4]),
    ({"order_status": "shipped"}, [1]),
    ({"order_status": "cancelled"}, [2]),
    ({"order_status": "mixed"}, []),
    ({"orders_from": "2026-01-01T02:00:00Z"}, [2, 3, 4]),
    ({"orders_to": "2026-01-01T01:00:00+00:00"}, [0, 1]),
    ({"orders_from": "2026-01-01 01:00:00+00:00", "orders_to": "2026-01-01 02:00:00"}, [1, 2]),
    ({"orders_from": "2026-01-01 03:00:00.000000+01:00"}, [2, 3, 4]),
    ({"orders_from": "2026-01-01", "orders_to": "2026-01-01T00:59:59.999999Z"}, [0]),
    ({"orders_from": "2026-01-01T02:00:00Z", "order_status": "open"}, [3, 4]),
]


async def test_filters_by_status_and_time_in_both_formats(
    client: httpx.AsyncClient, seller: SellerKey, five_orders: list[str]
) -> None:
    found = {}
    for params, _ in FILTERS:
        body = await listed(client, seller, **params)
        found[str(params)] = (numbers_of(body), body["pagination"]["total"])

    expected = {
        str(params): ([five_orders[index] for index in indexes], len(indexes))
        for params, indexes in FILTERS
    }
    assert found == expected


async def test_a_plus_sent_unescaped_in_python_s_time_form_is_read_as_a_plus(
    client: httpx.AsyncClient, seller: SellerKey, five_orders: list[str]
) -> None:
    # What a client sends when it formats str(datetime) into the URL itself.
    response = await client.get(
        "/api/v1/orders/?orders_from=2026-01-01 02:00:00.000000+00:00", headers=seller.headers
    )

    assert response.status_code == 200, response.text
    assert numbers_of(response.json()) == five_orders[2:]


async def test_the_order_number_filter_finds_one_order(
    client: httpx.AsyncClient, seller: SellerKey, five_orders: list[str]
) -> None:
    assert numbers_of(await listed(client, seller, order_number=five_orders[3])) == [five_orders[3]]
    assert numbers_of(await listed(client, seller, order_number="999999999999")) == []


async def test_following_next_pages_through_every_order_once_while_orders_arrive(
    client: httpx.AsyncClient,
    runtime: Runtime,
    clock: ManualClock,
    seller: SellerKey,
    five_orders: list[str],
) -> None:
    first = await listed(client, seller, per_page=2, order_status="open")
    clock.advance(HOUR)
    latest = (await place(runtime, seller, {SMALL: 1})).order_number
    seen, pages, body = numbers_of(first), [first["pagination"]], first
    while body["pagination"]["next"] is not None:
        link = body["pagination"]["next"]
        response = await client.get(f"http://testserver{link}", headers=seller.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += numbers_of(body)
        pages.append(body["pagination"])

    assert seen == [five_orders[0], five_orders[3], five_orders[4], latest]
    assert [(p["page"], p["pages"], p["total"]) for p in pages] == [(1, 2, 3), (2, 2, 4)]
    assert pages[1]["prev"] == "/api/v1/orders/?per_page=2&order_status=open&page=1"
    link = urlsplit(pages[0]["next"])
    assert link.path == "/api/v1/orders/"
    assert set(parse_qs(link.query)) == {"per_page", "order_status", "cursor"}


async def test_a_page_number_counts_from_the_start_and_links_on_with_a_cursor(
    client: httpx.AsyncClient, seller: SellerKey, five_orders: list[str]
) -> None:
    body = await listed(client, seller, per_page=2, page=2)

    assert numbers_of(body) == five_orders[2:4]
    assert body["pagination"]["prev"] == "/api/v1/orders/?per_page=2&page=1"
    following = await client.get(body["pagination"]["next"], headers=seller.headers)
    assert numbers_of(following.json()) == five_orders[4:]
    assert following.json()["pagination"]["page"] == 3
    past_the_end = await listed(client, seller, per_page=2, page=9)
    assert (past_the_end["items"], past_the_end["pagination"]["prev"]) == (
        [],
        "/api/v1/orders/?per_page=2&page=3",
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "page=2&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxLDJd",
            "Give either page or cursor, not both: a cursor knows its page",
        ),
        ("cursor=nonsense", "Invalid cursor: pass the cursor of a pagination.next link unchanged"),
        # [time, 2**40, 2] and a naive time: well-formed JSON, but no cursor the service gives.
        (
            "cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxMDk5NTExNjI3Nzc2LDJd",
            "Invalid cursor: pass the cursor of a pagination.next link unchanged",
        ),
        (
            "cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxLDJd",
            "Invalid cursor: pass the cursor of a pagination.next link unchanged",
        ),
    ],
)
async def test_a_cursor_with_a_page_or_a_made_up_cursor_is_400(
    client: httpx.AsyncClient, seller: SellerKey, query: str, message: str
) -> None:
    response = await client.get(f"/api/v1/orders/?{query}", headers=seller.headers)

    assert (response.status_code, response.json()) == (400, {"message": message})


@pytest.mark.parametrize(
    "query",
    [
        "order_status=pending",
        "orders_from=yesterday",
        "orders_to=2026-13-01T00:00:00Z",
        "per_page=0",
        "per_page=101",
        "page=0",
    ],
)
async def test_bad_query_values_are_422(
    client: httpx.AsyncClient, seller: SellerKey, query: str
) -> None:
    response = await client.get(f"/api/v1/orders/?{query}", headers=seller.headers)

    assert response.status_code == 422, response.text
    assert response.json()["message"]


async def test_another_seller_sees_none_of_these_orders(
    client: httpx.AsyncClient,
    seller: SellerKey,
    other_seller: SellerKey,
    five_orders: list[str],
) -> None:
    assert (await listed(client, other_seller))["items"] == []
    assert (await listed(client, other_seller, order_number=five_orders[0]))["items"] == []
