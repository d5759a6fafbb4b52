"""A key the service ignores is held to what every body must be (docs/api.md#transport-rules):
NUL or an unpaired surrogate in it is a 422 naming it and nothing is stored, on every submit
endpoint, as in the fields the service reads."""

from __future__ import annotations

import json

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests.http.helpers import KINDS, SUBMITS, assert_422, count_batches, send
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("character", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_an_ignored_key_holding_what_no_database_stores_is_a_422(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, kind: str, character: str
) -> None:
    item = {**SUBMITS[kind][2], "erp_note": f"from the ERP{character}"}
    body = json.dumps({"items": [item]}).encode()  # ASCII escapes: \u0000, \ud800

    response = await send(client, kind, body, seller.headers)

    assert response.status_code == 422, response.text
    if character == "\x00" or kind == "prices":
        # The JSON parser of the other kinds refuses a lone surrogate before any field is read.
        assert_422(response, ["body", "items", 0, "erp_note"], "string_unstorable")
    assert await count_batches(runtime) == 0
