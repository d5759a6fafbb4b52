"""The OpenAPI document describes what the service does (issue 10, item 11): the answers each
operation can give, who needs a key, one naming scheme for operation ids, and an example body
for every submit endpoint that the service accepts and applies."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from sellers_center.kinds import build_kinds
from sellers_center.runtime import KindsFactory, Runtime
from tests.http.helpers import JSON, SUBMITS
from tests.support import SellerKey

OPERATION_IDS = {
    ("get", "/healthz"): "get_liveness",
    ("get", "/readyz"): "get_readiness",
    ("get", "/api/v1/categories/"): "list_categories",
    ("get", "/api/v1/categories/{category_id}/attribute-groups"): "list_attribute_groups",
    ("get", "/api/v1/brands/"): "list_brands",
    ("get", "/api/v1/countries/"): "list_countries",
    ("get", "/api/v1/orders/carriers/"): "list_carriers",
    ("get", "/api/v1/orders/"): "list_orders",
    ("get", "/api/v1/orders/{order_number}/invoices"): "get_invoice",
    ("get", "/api/v1/orders/{order_number}/delivery_document"): "get_delivery_document",
    ("post", "/api/v1/orders/ship"): "ship_order_items",
    ("post", "/api/v1/orders/cancel"): "cancel_order_items",
    ("post", "/api/v1/orders/return"): "return_order_items",
    ("get", "/api/v1/results/ship-orders"): "get_ship_orders_batch_results",
    ("get", "/api/v1/results/cancel-orders"): "get_cancel_orders_batch_results",
    ("get", "/api/v1/results/return-orders"): "get_return_orders_batch_results",
    ("get", "/api/v1/products/"): "list_products",
    ("post", "/api/v1/products/"): "upsert_products",
    ("delete", "/api/v1/products/{sku}"): "delete_product",
    ("get", "/api/v1/products/rejected"): "list_rejected_products",
    ("put", "/api/v1/products/status"): "update_product_status",
    ("put", "/api/v1/products/stocks"): "update_stocks",
    ("put", "/api/v1/products/prices"): "update_prices",
    # The contract's own ids, verbatim.
    ("get", "/api/v1/results/products"): "scapi_app_endpoints_result_api_get_product_batch_results",
    (
        "get",
        "/api/v1/results/status",
    ): "scapi_app_endpoints_result_api_get_product_status_update_batch_results",
    ("get", "/api/v1/results/stocks"): "get_stocks_batch_results",
    ("get", "/api/v1/results/prices"): "get_prices_batch_results",
    ("get", "/api/v1/batches/"): "list_batches",
    ("get", "/api/v1/webhooks/types"): "list_webhook_types",
    ("get", "/api/v1/webhooks/"): "list_webhooks",
    ("post", "/api/v1/webhooks/"): "create_webhook",
    ("get", "/api/v1/webhooks/{subscription_id}"): "get_webhook",
    ("patch", "/api/v1/webhooks/{subscription_id}"): "update_webhook",
    ("delete", "/api/v1/webhooks/{subscription_id}"): "delete_webhook",
    ("post", "/api/v1/webhooks/{subscription_id}/rotate-secret"): "rotate_webhook_secret",
    ("get", "/api/v1/webhooks/{subscription_id}/deliveries"): "list_webhook_deliveries",
    (
        "post",
        "/api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver",
    ): "redeliver_webhook_delivery",
    ("get", "/api/v1/batches/{batch_request_id}"): "get_batch",
}
PUBLIC = {("get", "/healthz"), ("get", "/readyz")}
MESSAGE = {"application/json": {"schema": {"$ref": "#/components/schemas/BadRequestSchema"}}}
VALIDATION = {
    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorSchema"}}
}


@pytest.fixture
def kinds() -> KindsFactory:
    """The service's own kinds only: the document as it is published."""
    return build_kinds


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"  # the path's own, shared by its operations
    }


def test_every_operation_has_its_id(document: dict[str, Any]) -> None:
    found = {key: operation["operationId"] for key, operation in operations(document).items()}

    assert found == OPERATION_IDS


def test_health_needs_no_key_and_every_other_operation_does(document: dict[str, Any]) -> None:
    assert document["security"] == [{"APIKeyAuth": []}]
    for key, operation in operations(document).items():
        expected: list[dict[str, list[str]]] = [] if key in PUBLIC else [{"APIKeyAuth": []}]
        assert operation["security"] == expected, key


def test_every_operation_with_a_key_declares_401_429_and_503(document: dict[str, Any]) -> None:
    for key, operation in operations(document).items():
        if key in PUBLIC:
            assert {"401", "429"} & set(operation["responses"]) == set(), key
            continue
        for status in ("401", "429", "503"):
            assert operation["responses"][status]["content"] == MESSAGE, (key, status)


# Operations that also refuse input the schema accepts with a 422 ``{message}`` of their own.
REFUSING_VALID_INPUT = {
    ("post", "/api/v1/webhooks/"),  # unknown events, a target webhooks may not reach
    ("patch", "/api/v1/webhooks/{subscription_id}"),
}
VALIDATION_OR_REFUSAL = {
    "application/json": {
        "schema": {
            "anyOf": [
                {"$ref": "#/components/schemas/ValidationErrorSchema"},
                {"$ref": "#/components/schemas/BadRequestSchema"},
            ]
        }
    }
}


def test_422_is_declared_where_it_is_returned_with_the_services_body(
    document: dict[str, Any],
) -> None:
    for key, operation in operations(document).items():
        takes_input = bool(operation.get("parameters")) or "requestBody" in operation
        responses = operation["responses"]
        assert ("422" in responses) is takes_input, key
        if takes_input:
            expected = VALIDATION_OR_REFUSAL if key in REFUSING_VALID_INPUT else VALIDATION
            assert responses["422"]["content"] == expected, key
    assert {"HTTPValidationError", "ValidationError"} & set(document["components"]["schemas"]) == (
        set()
    )


def test_400_is_declared_only_by_the_results_endpoints(document: dict[str, Any]) -> None:
    declaring = {
        key for key, operation in operations(document).items() if "400" in operation["responses"]
    }

    order_kinds = ("ship-orders", "cancel-orders", "return-orders")
    assert declaring == {
        *(("get", f"/api/v1/results/{kind}") for kind in [*SUBMITS, *order_kinds]),
        ("get", "/api/v1/orders/"),  # a page with a cursor, or a cursor not made by the service
    }


@pytest.mark.parametrize("kind", list(SUBMITS))
async def test_a_batch_id_given_twice_is_400(
    client: httpx.AsyncClient, seller: SellerKey, kind: str
) -> None:
    ids: list[tuple[str, str | int | float | bool | None]] = [
        ("batch_request_id", str(uuid.uuid4())),
        ("batch_request_id", str(uuid.uuid4())),
    ]

    response = await client.get(f"/api/v1/results/{kind}", params=ids, headers=seller.headers)

    assert response.status_code == 400
    assert response.headers["content-type"] == JSON
    assert response.json() == {"message": "batch_request_id is given 2 times: give one batch id"}


async def test_an_unknown_category_is_a_documented_404(
    client: httpx.AsyncClient, seller: SellerKey, document: dict[str, Any]
) -> None:
    operation = operations(document)[("get", "/api/v1/categories/{category_id}/attribute-groups")]

    response = await client.get("/api/v1/categories/99999/attribute-groups", headers=seller.headers)

    assert response.status_code == 404
    assert operation["responses"]["404"]["content"] == MESSAGE


def example_of(document: dict[str, Any], kind: str) -> dict[str, Any]:
    method, path, _ = SUBMITS[kind]
    content = document["paths"][path][method.lower()]["requestBody"]["content"]
    example: dict[str, Any] = content["application/json"]["example"]
    return example


async def test_every_submit_example_is_accepted_and_applied(
    client: httpx.AsyncClient, runtime: Runtime, seller: SellerKey, document: dict[str, Any]
) -> None:
    """In the order an integration would send them: the variants, then stock, prices, status."""
    for kind in ("products", "stocks", "prices", "status"):
        method, path, _ = SUBMITS[kind]
        example = example_of(document, kind)
        submitted = await client.request(method, path, json=example, headers=seller.headers)
        assert submitted.status_code == 200, (kind, submitted.text)
        assert await runtime.worker().run_once() is True

        results = await client.get(
            f"/api/v1/results/{kind}",
            params={"batch_request_id": submitted.json()["batchRequestId"]},
            headers=seller.headers,
        )

        body = results.json()
        assert body["status"] == "completed", kind
        assert [item["errors"] for item in body["items"]] == [[]] * len(example["items"]), kind
