"""The results encoded in two steps (engine/results.py ``EchoedItems``): the echo before the
write transaction, the outcomes spliced in after it, giving the bytes of one encoding of the
whole."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sellers_center.engine.kind import ItemOutcome
from sellers_center.engine.payload import items_of
from sellers_center.engine.results import EchoedItems, select_items

BODY = (
    b'{"items": [{"sku": "A", "price": 1.50, "n": 1e2},'
    b' {"sku": "B\\u00fc\\"x", "note": "\\"success\\":\\"0f\\"}", "price": -0.0},'
    b' {"sku": "C", "tags": [], "nested": {"success": "yes", "errors": [1]}}]}'
)


def test_the_spliced_results_are_the_whole_encoded_at_once() -> None:
    items = items_of(BODY)
    outcomes = [ItemOutcome(), ItemOutcome(("Price too low: 0.0", 'Name "x" taken')), ItemOutcome()]

    results = EchoedItems.of(items).with_outcomes(outcomes)

    whole = [
        {"requestItem": item, "success": outcome.success, "errors": list(outcome.errors)}
        for item, outcome in zip(items, outcomes, strict=True)
    ]
    assert json.loads(results.items, parse_float=Decimal) == whole
    assert results.items == (
        b'[{"requestItem":{"sku":"A","price":1.50,"n":1E+2},"success":true,"errors":[]},'
        b'{"requestItem":{"sku":"B\\u00fc\\"x","note":"\\"success\\":\\"0f\\"}","price":-0.0},'
        b'"success":false,"errors":["Price too low: 0.0","Name \\"x\\" taken"]},'
        b'{"requestItem":{"sku":"C","tags":[],"nested":{"success":"yes","errors":[1]}},'
        b'"success":true,"errors":[]}]'
    )
    assert results.counts == (2, 1)
    assert select_items(results.items, only_failed=True).total == 1


def test_no_items_give_an_empty_list() -> None:
    results = EchoedItems.of([]).with_outcomes([])

    assert (results.items, results.counts) == (b"[]", (0, 0))


def test_outcomes_must_match_the_items_one_for_one() -> None:
    echoed = EchoedItems.of(items_of(BODY))

    with pytest.raises(ValueError, match="2 outcomes for 3 items"):
        echoed.with_outcomes([ItemOutcome(), ItemOutcome()])
