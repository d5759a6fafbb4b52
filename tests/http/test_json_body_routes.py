"""Routes that read a JSON body through FastAPI (not the batch submits, which read their own):
a body FastAPI cannot even decode is a 422 like any other body breaking the schema, with the
service's ``{detail, message}``, and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


@pytest.mark.parametrize(
    "body",
    [b"\x10\xff\xfe/\xd9\xbb", b'{"events": ["order.created"], "url": "M\xfcNCHEN"}'],
    ids=["binary", "latin-1"],
)
async def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(
    client: httpx.AsyncClient, seller: SellerKey, body: bytes
) -> None:
    headers = {**seller.headers, "Content-Type": "application/json"}

    created = await client.post("/api/v1/webhooks/", content=body, headers=headers)
    listed = await client.get("/api/v1/webhooks/", headers=seller.headers)

    assert created.status_code == 422
    assert created.json() == {
        "detail": [
            {"type": "json_invalid", "loc": ["body"], "msg": "The body is not JSON text in UTF-8"}
        ],
        "message": "Invalid request: body: The body is not JSON text in UTF-8",
    }
    assert listed.json() == []
