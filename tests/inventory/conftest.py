"""The stored variant that stock and price batches update."""

from __future__ import annotations

import httpx
import pytest

from sellers_center.runtime import Runtime
from tests.inventory.helpers import STORED_PRICES, errors_of, product
from tests.products.factory import jacket, upsert
from tests.support import SellerKey


@pytest.fixture
async def variant(client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey) -> None:
    """The seller's stored jacket JKT-1-S: quantity 5, DE 129.95, AT 134.95 on sale at 99.95."""
    results = await upsert(client, runtime, seller, [jacket()])
    assert errors_of(results) == [[]]
    stored = await product(client, seller)
    assert (stored["quantity"], stored["prices"]) == (5, STORED_PRICES)
