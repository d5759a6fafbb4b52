"""The state diagram of docs/api.md#publication-status-batches through the real pipeline: a status
batch over HTTP, one worker pass.

Every start status meets every settable value; the table below says where each pair leads and
which item error a refused pair carries (the wording of ``lifecycle/rules.py``, written out).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sellers_center.db.tables import Batch
from sellers_center.lifecycle import service as lifecycle
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests.lifecycle.helpers import STATUS, put_status, set_status, style_status
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import SellerKey

STYLE = "JKT-1"

DRAFT_AFTER_APPROVAL = (
    "Style JKT-1 is {}: draft is only possible before approval; use inactive to take it offline"
)
INACTIVE_BEFORE_ACTIVATION = "Style JKT-1 is {}: inactive is only possible once it was active; {}"
REJECTED_NEEDS_PUBLISHING = (
    "Style JKT-1 is rejected: fix what the rejection names and set published to submit it for "
    "approval again"
)
PROBLEM_NEEDS_FIXING = (
    "Style JKT-1 is problem: {} is not possible until its variants are fixed; send the corrected "
    "variants and it becomes active again"
)
# docs/api.md#publication-status-batches: "unknown status value → item error naming the allowed
# values".
UNKNOWN_STATUS = "Status {!r} is not allowed: use one of published, inactive, draft"
DRAFT_WHILE_INACTIVE = (
    "Style JKT-1 is inactive: draft is only possible before approval; it is offline already; "
    "set published to reactivate it"
)
NO_COUNTRIES = "Variant {} cannot be sold: it lists no countries to sell in"

# (start status, requested value, expected status, expected errors)
TRANSITIONS: list[tuple[str, str, str, list[str]]] = [
    # draft
    ("draft", "published", "pending_approval", []),
    ("draft", "draft", "draft", []),
    (
        "draft",
        "inactive",
        "draft",
        [INACTIVE_BEFORE_ACTIVATION.format("draft", "publish it first")],
    ),
    # pending_approval
    ("pending_approval", "published", "pending_approval", []),
    ("pending_approval", "draft", "draft", []),
    (
        "pending_approval",
        "inactive",
        "pending_approval",
        [INACTIVE_BEFORE_ACTIVATION.format("pending_approval", "withdraw it with draft")],
    ),
    # rejected
    ("rejected", "published", "pending_approval", []),
    ("rejected", "draft", "rejected", [REJECTED_NEEDS_PUBLISHING]),
    (
        "rejected",
        "inactive",
        "rejected",
        [INACTIVE_BEFORE_ACTIVATION.format("rejected", "fix it and publish it again")],
    ),
    # pending_active
    ("pending_active", "published", "pending_active", []),
    ("pending_active", "draft", "pending_active", [DRAFT_AFTER_APPROVAL.format("pending_active")]),
    (
        "pending_active",
        "inactive",
        "pending_active",
        [INACTIVE_BEFORE_ACTIVATION.format("pending_active", "try again once it is active")],
    ),
    # active
    ("active", "published", "active", []),
    ("active", "draft", "active", [DRAFT_AFTER_APPROVAL.format("active")]),
    ("active", "inactive", "inactive", []),
    # inactive
    ("inactive", "published", "active", []),
    ("inactive", "draft", "inactive", [DRAFT_WHILE_INACTIVE]),
    ("inactive", "inactive", "inactive", []),
    # problem
    ("problem", "published", "problem", [PROBLEM_NEEDS_FIXING.format("published")]),
    ("problem", "draft", "problem", [PROBLEM_NEEDS_FIXING.format("draft")]),
    ("problem", "inactive", "problem", [PROBLEM_NEEDS_FIXING.format("inactive")]),
]


def item(status: str, style_key: str = STYLE) -> dict[str, str]:
    return {"style_key": style_key, "status": status}


def outcome(results: dict[str, Any]) -> list[tuple[bool, list[str]]]:
    assert results["status"] == "completed"
    return [(entry["success"], entry["errors"]) for entry in results["items"]]


async def changes(
    runtime: Runtime, seller: SellerKey, style_key: str = STYLE
) -> list[tuple[str | None, str, str, str | None]]:
    """The style's history as (from, to, cause, detail)."""
    async with runtime.database.read_session() as session:
        entries = await lifecycle.history(session, seller.seller_id, style_key)
    return [(e.from_status, e.to_status, e.cause, e.detail) for e in entries]


async def count_batches(runtime: Runtime) -> int:
    async with runtime.database.read_session() as session:
        return (await session.execute(select(func.count()).select_from(Batch))).scalar_one()


CREATED = (None, "draft", "seller", "created")


@pytest.mark.parametrize(
    ("start", "requested", "expected", "errors"),
    TRANSITIONS,
    ids=[f"{start}-{requested}" for start, requested, _, _ in TRANSITIONS],
)
async def test_every_start_status_meets_every_settable_value(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    start: str,
    requested: str,
    expected: str,
    errors: list[str],
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, start)

    results = await put_status(client, runtime, seller, [item(requested)])

    assert [entry["requestItem"] for entry in results["items"]] == [item(requested)]
    assert outcome(results) == [(not errors, errors)]
    assert await style_status(client, seller, STYLE) == expected
    if expected == start:
        # A refusal or a no-op writes nothing: the history still ends with the creation.
        assert await changes(runtime, seller) == [CREATED]
    else:
        change = (start, expected, "seller", f"status batch: {requested}")
        assert await changes(runtime, seller) == [CREATED, change]


def test_the_table_covers_every_start_status_and_settable_value() -> None:
    starts = ["draft", "pending_approval", "rejected", "pending_active", "active", "inactive"]
    pairs = {(start, requested) for start, requested, _, _ in TRANSITIONS}
    assert pairs == {
        (start, requested)
        for start in [*starts, "problem"]
        for requested in ["published", "draft", "inactive"]
    }
    assert len(TRANSITIONS) == len(pairs)


async def test_an_unknown_style_is_product_master_not_found(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])

    results = await put_status(client, runtime, seller, [item("published", "NOPE")])

    assert outcome(results) == [(False, ["Product master not found: NOPE"])]
    assert await style_status(client, seller, STYLE) == "draft"


async def test_an_unknown_style_with_an_unknown_value_names_only_the_missing_style(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    results = await put_status(client, runtime, seller, [item("archived", "NOPE")])

    assert outcome(results) == [(False, ["Product master not found: NOPE"])]


async def test_another_sellers_style_is_product_master_not_found_and_unchanged(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])

    results = await put_status(client, runtime, other_seller, [item("published")])

    assert outcome(results) == [(False, ["Product master not found: JKT-1"])]
    assert await style_status(client, seller, STYLE) == "draft"
    assert await changes(runtime, seller) == [CREATED]


@pytest.mark.parametrize("value", ["archived", "PUBLISHED", ""], ids=["archived", "upper", "empty"])
@pytest.mark.parametrize("start", ["draft", "active"])
async def test_an_unknown_value_is_an_item_error_naming_the_allowed_values(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, start: str, value: str
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, start)

    results = await put_status(client, runtime, seller, [item(value)])

    assert outcome(results) == [(False, [UNKNOWN_STATUS.format(value)])]
    assert await style_status(client, seller, STYLE) == start
    assert await changes(runtime, seller) == [CREATED]


@pytest.mark.parametrize("start", ["draft", "rejected", "inactive"])
async def test_publishing_needs_every_variant_sellable(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, start: str
) -> None:
    unsellable = jacket(sku="JKT-1-M", size=SIZE_M, countries=[], prices=[])
    stored = await upsert(client, runtime, seller, [jacket(), unsellable])
    assert outcome(stored) == [(True, []), (True, [])]
    await set_status(runtime, STYLE, start)

    results = await put_status(client, runtime, seller, [item("published")])

    assert outcome(results) == [(False, [NO_COUNTRIES.format("JKT-1-M")])]
    assert await style_status(client, seller, STYLE) == start
    assert await changes(runtime, seller) == [CREATED]


async def test_the_gaps_of_every_variant_are_listed_in_sku_order(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    items = [
        jacket(sku="JKT-1-S", countries=[], prices=[]),
        jacket(sku="JKT-1-M", size=SIZE_M, countries=[], prices=[]),
    ]
    stored = await upsert(client, runtime, seller, items)
    assert outcome(stored) == [(True, []), (True, [])]

    results = await put_status(client, runtime, seller, [item("published")])

    assert outcome(results) == [
        (
            False,
            [
                NO_COUNTRIES.format("JKT-1-M"),
                NO_COUNTRIES.format("JKT-1-S"),
            ],
        )
    ]
    assert await style_status(client, seller, STYLE) == "draft"


async def test_a_fixed_variant_can_then_be_published(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket(countries=[], prices=[])])
    refused = await put_status(client, runtime, seller, [item("published")])
    assert outcome(refused) == [(False, [NO_COUNTRIES.format("JKT-1-S")])]

    await upsert(client, runtime, seller, [jacket()])
    results = await put_status(client, runtime, seller, [item("published")])

    assert outcome(results) == [(True, [])]
    assert await style_status(client, seller, STYLE) == "pending_approval"


async def test_items_for_one_style_apply_in_order(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])

    results = await put_status(client, runtime, seller, [item("published"), item("draft")])

    assert outcome(results) == [(True, []), (True, [])]
    assert await style_status(client, seller, STYLE) == "draft"
    assert await changes(runtime, seller) == [
        CREATED,
        ("draft", "pending_approval", "seller", "status batch: published"),
        ("pending_approval", "draft", "seller", "status batch: draft"),
    ]


async def test_a_later_item_sees_the_status_an_earlier_item_left(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, "active")

    results = await put_status(
        client, runtime, seller, [item("inactive"), item("draft"), item("published")]
    )

    assert outcome(results) == [
        (True, []),
        (False, [DRAFT_WHILE_INACTIVE]),
        (True, []),
    ]
    assert await style_status(client, seller, STYLE) == "active"
    assert await changes(runtime, seller) == [
        CREATED,
        ("active", "inactive", "seller", "status batch: inactive"),
        ("inactive", "active", "seller", "status batch: published"),
    ]


async def test_one_batch_handles_several_styles_each_on_its_own(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket(), jacket(sku="JKT-2-S", style_key="JKT-2")])
    await set_status(runtime, "JKT-2", "active")

    results = await put_status(
        client,
        runtime,
        seller,
        [item("published"), item("draft", "JKT-2"), item("published", "NOPE")],
    )

    assert outcome(results) == [
        (True, []),
        (False, [DRAFT_AFTER_APPROVAL.format("active").replace("JKT-1", "JKT-2")]),
        (False, ["Product master not found: NOPE"]),
    ]
    assert await style_status(client, seller, STYLE) == "pending_approval"
    assert await style_status(client, seller, "JKT-2") == "active"


async def test_a_thousand_items_are_accepted(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])

    results = await put_status(client, runtime, seller, [item("published")] * 1000)

    assert outcome(results) == [(True, [])] * 1000
    assert await changes(runtime, seller) == [
        CREATED,
        ("draft", "pending_approval", "seller", "status batch: published"),
    ]


async def test_more_than_a_thousand_items_are_422_and_store_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    batches_before = await count_batches(runtime)

    response = await client.put(
        STATUS, json={"items": [item("published")] * 1001}, headers=seller.headers
    )

    assert response.status_code == 422
    first = response.json()["detail"][0]
    assert (first["type"], first["loc"]) == ("too_long", ["body", "items"])
    assert await count_batches(runtime) == batches_before
    assert await style_status(client, seller, STYLE) == "draft"


class TestSandbox:
    """With ``sandbox`` on, approval is automatic: ``published`` leads straight to ``active``."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"sandbox": True})

    @pytest.mark.parametrize("start", ["draft", "rejected"])
    async def test_published_goes_straight_to_active(
        self, client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, start: str
    ) -> None:
        assert runtime.settings.sandbox is True
        await upsert(client, runtime, seller, [jacket()])
        await set_status(runtime, STYLE, start)

        results = await put_status(client, runtime, seller, [item("published")])

        assert outcome(results) == [(True, [])]
        assert await style_status(client, seller, STYLE) == "active"
        assert await changes(runtime, seller) == [
            CREATED,
            (start, "active", "seller", "status batch: published (sandbox)"),
        ]

    async def test_publishing_still_needs_sellable_variants(
        self, client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
    ) -> None:
        await upsert(client, runtime, seller, [jacket(countries=[], prices=[])])

        results = await put_status(client, runtime, seller, [item("published")])

        assert outcome(results) == [(False, [NO_COUNTRIES.format("JKT-1-S")])]
        assert await style_status(client, seller, STYLE) == "draft"

    async def test_the_other_values_behave_as_outside_the_sandbox(
        self, client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
    ) -> None:
        await upsert(client, runtime, seller, [jacket()])

        results = await put_status(
            client, runtime, seller, [item("published"), item("draft"), item("inactive")]
        )

        assert outcome(results) == [
            (True, []),
            (False, [DRAFT_AFTER_APPROVAL.format("active")]),
            (True, []),
        ]
        assert await style_status(client, seller, STYLE) == "inactive"
