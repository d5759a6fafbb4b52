from __future__ import annotations

import httpx

from tests.support import SellerKey


async def test_categories_answer_with_rate_limit_headers(
    client: httpx.AsyncClient, seller: SellerKey
) -> None:
    response = await client.get("/api/v1/categories/", headers=seller.headers)
    assert response.status_code == 200
    assert response.headers["x-ratelimit-limit"] == "100"
    assert response.headers["x-ratelimit-remaining"] == "99"
