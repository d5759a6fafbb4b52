"""The operator's side of publication (docs/api.md#publication-status-batches): approval,
rejection with catalogue reasons, activation, the problem state an edit can cause, the status
history, and the review commands of the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

import sellers_center.catalog
from sellers_center.clock import ManualClock
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError
from sellers_center.lifecycle import service as lifecycle
from sellers_center.runtime import Runtime
from tests.command_line import Outcome, run_command
from tests.lifecycle.helpers import put_status, set_status, style_status
from tests.products.factory import SIZE_M, jacket, upsert
from tests.support import BOTH_BACKENDS, SellerKey

STYLE = "JKT-1"
DEMO_CATALOGUE = Path(sellers_center.catalog.__file__).parent / "data" / "demo_catalogue.json"
REASON_KEYS = (
    "background_not_white_transparent_or_light_grey, blocklisted_term_design, "
    "first_bust_or_model_image_missing, images_and_descriptive_data_are_different, "
    "missing_material_specification, missing_or_wrong_brand, prices_are_configured_incorrectly, "
    "product_photos_not_matching_selected_color, wrong_sizes, wrong_viewing_angle"
)
STEP_SECONDS = 60

History = list[tuple[str | None, str, str, str | None]]


def catalogue_reason(key: str) -> dict[str, str]:
    """The reason's full entry as the demo catalogue file holds it."""
    reasons = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))["rejection_reasons"]
    [entry] = [reason for reason in reasons if reason["key"] == key]
    return {field: entry[field] for field in ("key", "type", "name", "description")}


async def publish(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    style_key: str = STYLE,
    skus: Sequence[str] = ("S",),
) -> None:
    sizes = {"S": jacket()["size"], "M": SIZE_M}
    items = [
        jacket(sku=f"{style_key}-{size}", style_key=style_key, size=sizes[size]) for size in skus
    ]
    stored = await upsert(client, runtime, seller, items)
    assert [entry["success"] for entry in stored["items"]] == [True] * len(items)
    results = await put_status(
        client, runtime, seller, [{"style_key": style_key, "status": "published"}]
    )
    assert [entry["errors"] for entry in results["items"]] == [[]]


async def approve(runtime: Runtime, seller: SellerKey, style_key: str = STYLE) -> None:
    async with runtime.database.write_session.begin() as session:
        await lifecycle.approve(session, seller.seller_id, style_key, runtime.clock.now())


async def reject(
    runtime: Runtime,
    seller: SellerKey,
    reasons: Sequence[str],
    message: str | None = None,
    style_key: str = STYLE,
) -> None:
    async with runtime.database.write_session.begin() as session:
        catalog = await runtime.catalog.get(session)
        await lifecycle.reject(
            session,
            catalog,
            seller.seller_id,
            style_key,
            reasons=reasons,
            message=message,
            now=runtime.clock.now(),
        )


async def review(runtime: Runtime, seller: SellerKey, verb: str, style_key: str = STYLE) -> None:
    """Approve, or reject for a valid catalogue reason."""
    if verb == "approve":
        await approve(runtime, seller, style_key)
    else:
        await reject(runtime, seller, ["wrong_sizes"], style_key=style_key)


async def changes(runtime: Runtime, seller: SellerKey, style_key: str = STYLE) -> History:
    async with runtime.database.read_session() as session:
        entries = await lifecycle.history(session, seller.seller_id, style_key)
    return [(e.from_status, e.to_status, e.cause, e.detail) for e in entries]


async def rejected_listing(
    client: httpx.AsyncClient, seller: SellerKey, **params: str
) -> dict[str, Any]:
    response = await client.get("/api/v1/products/rejected", params=params, headers=seller.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


CREATED = (None, "draft", "seller", "created")
PUBLISHED = ("draft", "pending_approval", "seller", "status batch: published")
APPROVED = ("pending_approval", "pending_active", "operator", "approved")
ACTIVATED = ("pending_active", "active", "system", "activated in the shop")
NOTHING_REJECTED = {"page": 1, "per_page": 20, "pages": 0, "total": 0, "next": None, "prev": None}


# --- approval and activation --------------------------------------------------------------------


@BOTH_BACKENDS
async def test_approval_leads_to_pending_active_and_the_worker_activates_it(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await publish(client, runtime, seller)
    await upsert(client, runtime, seller, [jacket(sku="JKT-2-S", style_key="JKT-2")])

    await approve(runtime, seller)

    assert await style_status(client, seller, STYLE) == "pending_active"
    await runtime.worker().run_maintenance()
    assert await style_status(client, seller, STYLE) == "active"
    assert await style_status(client, seller, "JKT-2") == "draft"
    assert await changes(runtime, seller) == [CREATED, PUBLISHED, APPROVED, ACTIVATED]


@BOTH_BACKENDS
async def test_a_style_edited_unsellable_after_approval_is_activated_as_problem(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await publish(client, runtime, seller)
    await approve(runtime, seller)

    edited = await upsert(client, runtime, seller, [jacket(countries=[], prices=[])])
    await runtime.worker().run_maintenance()

    assert [entry["success"] for entry in edited["items"]] == [True]
    assert await style_status(client, seller, STYLE) == "problem"
    assert (await changes(runtime, seller))[-1] == (
        "pending_active",
        "problem",
        "system",
        "unsellable at activation",
    )


@BOTH_BACKENDS
@pytest.mark.parametrize(
    "status", ["draft", "rejected", "pending_active", "active", "inactive", "problem"]
)
@pytest.mark.parametrize("verb", ["approve", "reject"])
async def test_only_pending_approval_styles_can_be_reviewed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, status: str, verb: str
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, status)

    with pytest.raises(ConflictError) as refused:
        await review(runtime, seller, verb)

    assert refused.value.message == (
        f"Style JKT-1 is {status}: only pending_approval styles can be reviewed"
    )
    assert await style_status(client, seller, STYLE) == status
    assert await changes(runtime, seller) == [CREATED]
    listed = (await rejected_listing(client, seller))["items"]
    assert [entry["style_key"] for entry in listed] == ([STYLE] if status == "rejected" else [])


@BOTH_BACKENDS
@pytest.mark.parametrize("verb", ["approve", "reject"])
async def test_an_unknown_or_foreign_style_cannot_be_reviewed(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    verb: str,
) -> None:
    await publish(client, runtime, seller)

    for who, style_key in ((seller, "NOPE"), (other_seller, STYLE)):
        with pytest.raises(NotFoundError) as missing:
            await review(runtime, who, verb, style_key)
        assert missing.value.message == f"Product master not found: {style_key}"

    assert await style_status(client, seller, STYLE) == "pending_approval"
    assert await changes(runtime, seller) == [CREATED, PUBLISHED]


# --- rejection ----------------------------------------------------------------------------------


@BOTH_BACKENDS
async def test_a_rejected_style_is_listed_with_its_catalogue_reasons(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    await publish(client, runtime, seller, skus=("S", "M"))
    clock.advance(STEP_SECONDS)

    await reject(
        runtime, seller, ["wrong_sizes", "missing_or_wrong_brand"], message="Check the size chart"
    )

    assert await style_status(client, seller, STYLE) == "rejected"
    assert await rejected_listing(client, seller) == {
        "items": [
            {
                "style_key": STYLE,
                "skus": ["JKT-1-M", "JKT-1-S"],
                "rejection_reasons": [
                    catalogue_reason("wrong_sizes"),
                    catalogue_reason("missing_or_wrong_brand"),
                ],
                "rejection_message": "Check the size chart",
                "rejected_at": "2026-01-01T00:01:00Z",
            }
        ],
        "pagination": {**NOTHING_REJECTED, "pages": 1, "total": 1},
    }
    assert catalogue_reason("wrong_sizes") == {
        "key": "wrong_sizes",
        "type": "inconsistent_data",
        "name": "Wrong sizes",
        "description": (
            "The sizes entered are not valid for this product or do not use the size system of "
            "its category. Check the size chart and select the correct sizes for each variant."
        ),
    }
    assert (await changes(runtime, seller))[-1] == (
        "pending_approval",
        "rejected",
        "operator",
        "rejected: wrong_sizes, missing_or_wrong_brand (Check the size chart)",
    )


@BOTH_BACKENDS
async def test_a_reason_named_twice_is_listed_once_and_no_message_is_null(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await publish(client, runtime, seller)

    await reject(runtime, seller, ["wrong_viewing_angle", "wrong_sizes", "wrong_viewing_angle"])

    [entry] = (await rejected_listing(client, seller))["items"]
    assert entry["rejection_reasons"] == [
        catalogue_reason("wrong_viewing_angle"),
        catalogue_reason("wrong_sizes"),
    ]
    assert entry["rejection_message"] is None


@BOTH_BACKENDS
async def test_the_rejected_listing_pages_newest_first_and_filters_by_style(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    clock: ManualClock,
) -> None:
    for style_key in ("JKT-1", "JKT-2", "JKT-3"):
        await publish(client, runtime, seller, style_key)
    await publish(client, runtime, seller, "JKT-4")
    for style_key in ("JKT-2", "JKT-1", "JKT-3"):
        clock.advance(STEP_SECONDS)
        await reject(runtime, seller, ["wrong_sizes"], style_key=style_key)

    first = await rejected_listing(client, seller, per_page="2")
    second = await rejected_listing(client, seller, per_page="2", page="2")
    filtered = await rejected_listing(client, seller, style_key="JKT-1")

    assert [entry["style_key"] for entry in first["items"]] == ["JKT-3", "JKT-1"]
    assert [entry["rejected_at"] for entry in first["items"]] == [
        "2026-01-01T00:03:00Z",
        "2026-01-01T00:02:00Z",
    ]
    assert first["pagination"] == {
        "page": 1,
        "per_page": 2,
        "pages": 2,
        "total": 3,
        "next": "/api/v1/products/rejected?per_page=2&page=2",
        "prev": None,
    }
    assert [entry["style_key"] for entry in second["items"]] == ["JKT-2"]
    assert second["pagination"] == {
        "page": 2,
        "per_page": 2,
        "pages": 2,
        "total": 3,
        "next": None,
        "prev": "/api/v1/products/rejected?per_page=2&page=1",
    }
    assert [entry["style_key"] for entry in filtered["items"]] == ["JKT-1"]
    assert filtered["pagination"] == {**NOTHING_REJECTED, "pages": 1, "total": 1}
    assert await rejected_listing(client, seller, style_key="JKT-4") == {
        "items": [],
        "pagination": NOTHING_REJECTED,
    }
    assert await rejected_listing(client, other_seller) == {
        "items": [],
        "pagination": NOTHING_REJECTED,
    }


@BOTH_BACKENDS
@pytest.mark.parametrize(
    ("reasons", "problem"),
    [
        (["not_a_reason"], "unknown reasons: not_a_reason"),
        (["wrong_sizes", "nope", "Wrong_Sizes"], "unknown reasons: nope, Wrong_Sizes"),
        ([], "no reason given"),
    ],
    ids=["unknown", "some-unknown", "none"],
)
async def test_a_rejection_needs_reasons_from_the_catalogue(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    reasons: list[str],
    problem: str,
) -> None:
    await publish(client, runtime, seller)

    with pytest.raises(InvalidInputError) as refused:
        await reject(runtime, seller, reasons, message="no")

    assert refused.value.message.startswith("Rejection needs reasons from the catalogue")
    assert refused.value.message == (
        f"Rejection needs reasons from the catalogue ({problem}); {REASON_KEYS}"
    )
    assert await style_status(client, seller, STYLE) == "pending_approval"
    assert await changes(runtime, seller) == [CREATED, PUBLISHED]
    assert (await rejected_listing(client, seller))["items"] == []


@BOTH_BACKENDS
async def test_republishing_a_rejected_style_resubmits_it_and_clears_the_listing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await publish(client, runtime, seller)
    await reject(runtime, seller, ["wrong_sizes"], message="first")

    results = await put_status(
        client, runtime, seller, [{"style_key": STYLE, "status": "published"}]
    )

    assert [(entry["success"], entry["errors"]) for entry in results["items"]] == [(True, [])]
    assert await style_status(client, seller, STYLE) == "pending_approval"
    assert await rejected_listing(client, seller) == {
        "items": [],
        "pagination": NOTHING_REJECTED,
    }

    await reject(runtime, seller, ["missing_material_specification"])

    [entry] = (await rejected_listing(client, seller))["items"]
    assert entry["rejection_reasons"] == [catalogue_reason("missing_material_specification")]
    assert entry["rejection_message"] is None
    assert await changes(runtime, seller) == [
        CREATED,
        PUBLISHED,
        ("pending_approval", "rejected", "operator", "rejected: wrong_sizes (first)"),
        ("rejected", "pending_approval", "seller", "status batch: published"),
        ("pending_approval", "rejected", "operator", "rejected: missing_material_specification"),
    ]


# --- problem: an edit that leaves an active style unsellable ------------------------------------


@BOTH_BACKENDS
async def test_an_edit_that_breaks_an_active_style_makes_it_problem_until_fixed(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, "active")

    broken = await upsert(client, runtime, seller, [jacket(countries=[], prices=[])])

    assert [(entry["success"], entry["errors"]) for entry in broken["items"]] == [(True, [])]
    assert await style_status(client, seller, STYLE) == "problem"

    fixed = await upsert(client, runtime, seller, [jacket()])

    assert [(entry["success"], entry["errors"]) for entry in fixed["items"]] == [(True, [])]
    assert await style_status(client, seller, STYLE) == "active"
    assert await changes(runtime, seller) == [
        CREATED,
        ("active", "problem", "system", "variants not sellable: JKT-1-S"),
        ("problem", "active", "system", "variants fixed"),
    ]


@BOTH_BACKENDS
async def test_a_problem_style_stays_problem_while_any_variant_is_unsellable(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey
) -> None:
    await upsert(client, runtime, seller, [jacket(), jacket(sku="JKT-1-M", size=SIZE_M)])
    await set_status(runtime, STYLE, "active")
    await upsert(
        client,
        runtime,
        seller,
        [
            jacket(countries=[], prices=[]),
            jacket(sku="JKT-1-M", size=SIZE_M, countries=[], prices=[]),
        ],
    )
    assert await style_status(client, seller, STYLE) == "problem"

    await upsert(client, runtime, seller, [jacket()])

    assert await style_status(client, seller, STYLE) == "problem"
    await upsert(client, runtime, seller, [jacket(sku="JKT-1-M", size=SIZE_M)])
    assert await style_status(client, seller, STYLE) == "active"
    assert await changes(runtime, seller) == [
        CREATED,
        ("active", "problem", "system", "variants not sellable: JKT-1-M, JKT-1-S"),
        ("problem", "active", "system", "variants fixed"),
    ]


@BOTH_BACKENDS
@pytest.mark.parametrize("status", ["draft", "inactive"])
async def test_the_same_edit_leaves_a_style_that_is_not_active_alone(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, status: str
) -> None:
    await upsert(client, runtime, seller, [jacket()])
    await set_status(runtime, STYLE, status)

    edited = await upsert(client, runtime, seller, [jacket(countries=[], prices=[])])

    assert [(entry["success"], entry["errors"]) for entry in edited["items"]] == [(True, [])]
    assert await style_status(client, seller, STYLE) == status
    assert await changes(runtime, seller) == [CREATED]


# --- history ------------------------------------------------------------------------------------


@BOTH_BACKENDS
async def test_history_records_every_change_in_order_with_its_cause(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, clock: ManualClock
) -> None:
    await publish(client, runtime, seller)
    clock.advance(STEP_SECONDS)
    await approve(runtime, seller)
    clock.advance(STEP_SECONDS)
    await runtime.worker().run_maintenance()
    clock.advance(STEP_SECONDS)
    await put_status(client, runtime, seller, [{"style_key": STYLE, "status": "inactive"}])

    async with runtime.database.read_session() as session:
        entries = await lifecycle.history(session, seller.seller_id, STYLE)

    assert [(e.from_status, e.to_status, e.cause) for e in entries] == [
        (None, "draft", "seller"),
        ("draft", "pending_approval", "seller"),
        ("pending_approval", "pending_active", "operator"),
        ("pending_active", "active", "system"),
        ("active", "inactive", "seller"),
    ]
    assert [e.detail for e in entries] == [
        "created",
        "status batch: published",
        "approved",
        "activated in the shop",
        "status batch: inactive",
    ]
    assert [e.changed_at.isoformat() for e in entries] == [
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:01:00+00:00",
        "2026-01-01T00:02:00+00:00",
        "2026-01-01T00:03:00+00:00",
    ]


@BOTH_BACKENDS
async def test_history_of_an_unknown_style_is_product_master_not_found(
    runtime: Runtime, seller: SellerKey
) -> None:
    with pytest.raises(NotFoundError) as missing:
        await changes(runtime, seller, "NOPE")

    assert missing.value.message == "Product master not found: NOPE"


# --- the CLI, in-process against the test's database -------------------------------------------


async def run_cli(database_url: str, *args: str) -> Outcome:
    """``sellers-center ARGS``; in a thread, as the command runs its own event loop."""
    return await asyncio.to_thread(run_command, database_url, *args)


def table_rows(output: str) -> list[list[str]]:
    """The cells of a rich table's header and body rows, stripped."""
    rows = []
    for line in output.splitlines():
        if line[:1] in ("┃", "│"):
            cells = line.replace("┃", "│").strip("│").split("│")
            rows.append([cell.strip() for cell in cells])
    return rows


async def test_review_list_shows_the_styles_waiting_oldest_first(
    client: httpx.AsyncClient,
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    database_url: str,
    clock: ManualClock,
) -> None:
    await publish(client, runtime, seller, "JKT-1", skus=("S", "M"))
    clock.advance(STEP_SECONDS)
    await publish(client, runtime, other_seller, "JKT-2")
    await upsert(client, runtime, seller, [jacket(sku="JKT-3-S", style_key="JKT-3")])

    listed = await run_cli(database_url, "review", "list")
    mine = await run_cli(database_url, "review", "list", "--seller", "seller-a")

    assert (listed.returncode, listed.stderr) == (0, "")
    assert table_rows(listed.stdout) == [
        ["seller", "style key", "variants", "waiting since"],
        ["seller-a", "JKT-1", "2", "2026-01-01T00:00:00+00:00"],
        ["seller-b", "JKT-2", "1", "2026-01-01T00:01:00+00:00"],
    ]
    assert (mine.returncode, mine.stderr) == (0, "")
    assert table_rows(mine.stdout) == [
        ["seller", "style key", "variants", "waiting since"],
        ["seller-a", "JKT-1", "2", "2026-01-01T00:00:00+00:00"],
    ]


async def test_review_approve_and_reject_change_the_status_and_history_prints_it(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, database_url: str
) -> None:
    await publish(client, runtime, seller, "JKT-1")
    await publish(client, runtime, seller, "JKT-2")

    approved = await run_cli(database_url, "review", "approve", "JKT-1", "--seller", "seller-a")
    rejected = await run_cli(
        database_url,
        *("review", "reject", "JKT-2", "--seller", "seller-a"),
        *("--reason", "wrong_sizes", "--reason", "missing_or_wrong_brand"),
        *("--message", "Check the size chart"),
    )

    assert (approved.returncode, approved.stderr) == (0, "")
    assert approved.stdout == "Approved JKT-1 of seller-a; a worker activates it shortly.\n"
    assert (rejected.returncode, rejected.stderr) == (0, "")
    assert rejected.stdout == "Rejected JKT-2 of seller-a: wrong_sizes, missing_or_wrong_brand.\n"
    assert await style_status(client, seller, "JKT-1") == "pending_active"
    assert await style_status(client, seller, "JKT-2") == "rejected"
    [entry] = (await rejected_listing(client, seller))["items"]
    assert entry["rejection_reasons"] == [
        catalogue_reason("wrong_sizes"),
        catalogue_reason("missing_or_wrong_brand"),
    ]
    assert entry["rejection_message"] == "Check the size chart"
    assert table_rows((await run_cli(database_url, "review", "list")).stdout) == [
        ["seller", "style key", "variants", "waiting since"]
    ]

    await runtime.worker().run_maintenance()
    history = await run_cli(database_url, "products", "history", "JKT-1", "--seller", "seller-a")

    assert (history.returncode, history.stderr) == (0, "")
    async with runtime.database.read_session() as session:
        entries = await lifecycle.history(session, seller.seller_id, "JKT-1")
    when = [entry.changed_at.isoformat(timespec="seconds") for entry in entries]
    assert table_rows(history.stdout) == [
        ["when", "from", "to", "cause", "detail"],
        [when[0], "", "draft", "seller", "created"],
        [when[1], "draft", "pending_approval", "seller", "status batch: published"],
        [when[2], "pending_approval", "pending_active", "operator", "approved"],
        [when[3], "pending_active", "active", "system", "activated in the shop"],
    ]


async def test_review_reject_with_an_unknown_reason_exits_1_and_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, database_url: str
) -> None:
    await publish(client, runtime, seller)

    result = await run_cli(
        database_url, "review", "reject", STYLE, "--seller", "seller-a", "--reason", "ugly"
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: Rejection needs reasons from the catalogue (unknown reasons: ugly); "
        f"{REASON_KEYS}\n"
    )
    assert await style_status(client, seller, STYLE) == "pending_approval"
    assert await changes(runtime, seller) == [CREATED, PUBLISHED]


async def test_review_approve_of_a_style_not_waiting_exits_1(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, database_url: str
) -> None:
    await upsert(client, runtime, seller, [jacket()])

    draft = await run_cli(database_url, "review", "approve", STYLE, "--seller", "seller-a")
    unknown = await run_cli(database_url, "products", "history", "NOPE", "--seller", "seller-a")

    assert (draft.returncode, draft.stdout) == (1, "")
    assert draft.stderr == (
        "error: Style JKT-1 is draft: only pending_approval styles can be reviewed\n"
    )
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr == "error: Product master not found: NOPE\n"
    assert await style_status(client, seller, STYLE) == "draft"
