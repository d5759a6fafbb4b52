"""The SDK's models and calls against the server's own OpenAPI document, so neither side can
drift from the other unnoticed; and the mirror between ``Client`` and ``AsyncClient``."""

from __future__ import annotations

import copy
import inspect
import re
import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from sellers_center.runtime import Runtime
from sellers_center_client import (
    AsyncClient,
    AttributeGroup,
    BatchesPage,
    BatchResult,
    BatchSummary,
    Brand,
    CancelItem,
    CarriersPage,
    CategoriesPage,
    Client,
    Countries,
    DeliveriesPage,
    Delivery,
    OrdersPage,
    PriceItem,
    ProductItem,
    ProductsPage,
    RejectedProductsPage,
    ReturnItem,
    ShipItem,
    StatusItem,
    StockItem,
    Webhook,
    WebhookSecret,
    WebhookType,
)
from sellers_center_client import _operations as operations
from sellers_center_client._batch import BatchAccepted
from sellers_center_client._http import Operation
from sellers_center_client._kind import KINDS
from sellers_center_client._webhooks import CreateWebhook, UpdateWebhook
from tests import support
from tests.client.schema_compat import Comparison, Schema, Side

# What the server answers -> the SDK model that reads it.
ANSWERS: dict[str, type[BaseModel]] = {
    "ProductsPageSchema": ProductsPage,
    "RejectedProductsPageSchema": RejectedProductsPage,
    "CategoriesPageSchema": CategoriesPage,
    "AttributeGroupSchema": AttributeGroup,
    "BrandSchema": Brand,
    "CountriesSchema": Countries,
    "CarriersPageSchema": CarriersPage,
    "BatchRequestAcceptedSchema": BatchAccepted,
    "UpsertProductBatchResultsResponseSchema": BatchResult[ProductItem],
    "UpdateProductStatusBatchResultsResponseSchema": BatchResult[StatusItem],
    "UpdateStockBatchResultsResponseSchema": BatchResult[StockItem],
    "UpdatePriceBatchResultsResponseSchema": BatchResult[PriceItem],
    "OrdersPageSchema": OrdersPage,
    "ShipOrdersBatchResultsResponseSchema": BatchResult[ShipItem],
    "CancelOrdersBatchResultsResponseSchema": BatchResult[CancelItem],
    "ReturnOrdersBatchResultsResponseSchema": BatchResult[ReturnItem],
    "BatchSummarySchema": BatchSummary,
    "BatchesPageSchema": BatchesPage,
    "WebhookTypeSchema": WebhookType,
    "WebhookSchema": Webhook,
    "WebhookSecretSchema": WebhookSecret,
    "DeliverySchema": Delivery,
    "DeliveriesPageSchema": DeliveriesPage,
}
# Fields of an SDK answer that the server documents beside the contract's schema instead of in
# it: the ``pagination`` of a page of results (the results paths' own parameters say so), read
# into the SDK's model of the server's PaginationSchema.
BESIDE_THE_CONTRACT = {"pagination": "PaginationSchema"}
# What the SDK sends -> the server schema that reads it.
ITEMS: dict[str, type[BaseModel]] = {
    "UpsertProductItemSchema": ProductItem,
    "UpdateProductStatusItemSchema": StatusItem,
    "UpdateStockItemSchema": StockItem,
    "UpdatePriceItemSchema": PriceItem,
    "ShipOrderItemSchema": ShipItem,
    "CancelOrderItemSchema": CancelItem,
    "ReturnOrderItemSchema": ReturnItem,
    "CreateWebhookSchema": CreateWebhook,
    "UpdateWebhookSchema": UpdateWebhook,
}
# Submit bodies: ``{"items": [...]}`` with the kind's item limit.
ENVELOPES = {
    "products": ("UpsertProductsRequestSchema", "UpsertProductItemSchema"),
    "status": ("UpdateProductStatusRequestSchema", "UpdateProductStatusItemSchema"),
    "stocks": ("UpdateStocksRequestSchema", "UpdateStockItemSchema"),
    "prices": ("UpdatePricesRequestSchema", "UpdatePriceItemSchema"),
    "ship-orders": ("ShipOrdersRequestSchema", "ShipOrderItemSchema"),
    "cancel-orders": ("CancelOrdersRequestSchema", "CancelOrderItemSchema"),
    "return-orders": ("ReturnOrdersRequestSchema", "ReturnOrderItemSchema"),
}
# Error bodies the SDK reads by hand (``_http.error_from_response``).
ERROR_BODIES = {"BadRequestSchema": {"message"}, "ValidationErrorSchema": {"detail", "message"}}
# FastAPI's own, replaced at run time by the service's ValidationErrorSchema.
UNUSED = {"HTTPValidationError", "ValidationError"}


@pytest.fixture
def openapi(runtime: Runtime) -> dict[str, Any]:
    # A copy: the shared app keeps serving its own.
    document: dict[str, Any] = copy.deepcopy(support.app_of(runtime).openapi())
    return document


def sdk_side(model: type[BaseModel], mode: str) -> tuple[Side, Schema]:
    schema = model.model_json_schema(by_alias=True, mode=mode)  # type: ignore[arg-type]
    definitions = schema.pop("$defs", {})
    return Side(definitions), schema


def server_ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def test_every_server_answer_fits_the_sdk_model(openapi: dict[str, Any]) -> None:
    server = Side(openapi["components"]["schemas"])
    problems = []
    for name, model in ANSWERS.items():
        sdk, top = sdk_side(model, "validation")
        comparison = Comparison(source=server, target=sdk)
        if name.endswith("BatchResultsResponseSchema"):
            for field, server_name in BESIDE_THE_CONTRACT.items():
                beside = top["properties"].pop(field)
                comparison.values_fit(server_ref(server_name), beside, f"{name}.{field}")
        comparison.values_fit(server_ref(name), top, name)
        problems += comparison.problems
    assert problems == []


def test_results_paths_document_paging_beside_the_contract(openapi: dict[str, Any]) -> None:
    for spec in KINDS.values():
        shared = openapi["paths"][spec.results_path]["parameters"]
        assert [parameter["name"] for parameter in shared] == ["only", "page", "per_page"]
        assert "`pagination`" in shared[1]["description"], spec.name


def test_every_item_the_sdk_sends_fits_the_server_schema(openapi: dict[str, Any]) -> None:
    server = Side(openapi["components"]["schemas"])
    problems = []
    for name, model in ITEMS.items():
        sdk, top = sdk_side(model, "serialization")
        comparison = Comparison(source=sdk, target=server)
        comparison.values_fit(top, server_ref(name), model.__name__)
        problems += comparison.problems
    assert problems == []


def test_submit_bodies_and_item_limits_match_the_server(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    for kind, (envelope, item) in ENVELOPES.items():
        spec = KINDS[kind]
        body = openapi["paths"][spec.path][spec.method.lower()]["requestBody"]
        assert body["content"]["application/json"]["schema"] == server_ref(envelope)
        items = schemas[envelope]["properties"]["items"]
        assert schemas[envelope]["required"] == ["items"]
        assert items["items"] == server_ref(item)
        assert (items["minItems"], items["maxItems"]) == (1, spec.max_items), kind


def test_every_server_schema_is_covered(openapi: dict[str, Any]) -> None:
    """A schema the server adds must be mapped here, so the SDK grows with it."""
    schemas = openapi["components"]["schemas"]
    server = Side(schemas)
    for name in [*ANSWERS, *ITEMS]:
        server.visit(server_ref(name))
    for name, fields in ERROR_BODIES.items():
        assert set(schemas[name]["properties"]) == fields
    envelopes = {envelope for envelope, _ in ENVELOPES.values()}
    covered = server.visited | envelopes | set(ERROR_BODIES) | UNUSED
    assert set(schemas) - covered == set()


def sample_operations() -> list[Operation[Any]]:
    return [
        operations.list_products(style_key="S", sku="K", status="draft", page=1, per_page=5),
        operations.delete_product("K"),
        operations.rejected_products(style_key="S", page=1, per_page=5),
        operations.categories(query="q", parent_category=1, page=1, per_page=5),
        operations.attribute_groups(112),
        operations.brands(),
        operations.countries(),
        operations.carriers(page=1, per_page=5),
        operations.list_orders(
            order_number="1",
            order_status="open",
            orders_from="2026-01-01T00:00:00Z",
            orders_to="2026-01-02T00:00:00Z",
            page=1,
            per_page=5,
            cursor="c",
        ),
        operations.invoice("100000000001"),
        operations.delivery_document("100000000001"),
        *(
            operations.results(spec, "00000000-0000-0000-0000-000000000000")
            for spec in KINDS.values()
        ),
        operations.results(
            KINDS["stocks"], uuid.UUID(int=0), only_failed=True, page=2, per_page=50
        ),
        operations.list_batches(
            kind="stocks",
            status=["completed", "failed"],
            created_from="2026-01-01T00:00:00Z",
            created_to="2026-01-02T00:00:00Z",
            cursor="c",
            per_page=5,
        ),
        operations.get_batch(uuid.UUID(int=0)),
        operations.webhook_types(),
        operations.list_webhooks(),
        operations.create_webhook(CreateWebhook(events=["order.created"], url="https://h/")),
        operations.get_webhook(uuid.UUID(int=1)),
        operations.update_webhook(uuid.UUID(int=1), UpdateWebhook(enabled=True)),
        operations.delete_webhook(uuid.UUID(int=1)),
        operations.rotate_webhook_secret(uuid.UUID(int=1)),
        operations.webhook_deliveries(uuid.UUID(int=1), page=2, per_page=5),
        operations.redeliver_webhook(uuid.UUID(int=1), uuid.UUID(int=2)),
    ]


def test_every_sdk_call_exists_with_its_parameters(openapi: dict[str, Any]) -> None:
    templates = {
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"): path
        for path in openapi["paths"]
    }
    for operation in sample_operations():
        request = operation.request
        matches = [p for pattern, p in templates.items() if pattern.match(request.path)]
        # A literal path wins over a template that also matches it, as in the router.
        path = request.path if request.path in matches else matches[0]
        assert len(matches) == 1 or path == request.path, matches
        described = openapi["paths"][path][request.method.lower()]
        shared = openapi["paths"][path].get("parameters", [])  # the path's, for every method
        parameters = [*described.get("parameters", []), *shared]
        names = {p["name"] for p in parameters if p["in"] == "query"}
        assert {name for name, _ in request.params} <= names, request.path
    for spec in KINDS.values():
        assert spec.method.lower() in openapi["paths"][spec.path]
        assert "get" in openapi["paths"][spec.results_path]


def public_methods(resource: object) -> dict[str, Any]:
    return {
        name: getattr(resource, name)
        for name in dir(resource)
        if not name.startswith("_") and callable(getattr(resource, name))
    }


RESOURCES = [
    "products",
    "status",
    "stocks",
    "prices",
    "results",
    "batches",
    "catalog",
    "orders",
    "webhooks",
]


@pytest.mark.parametrize("resource", RESOURCES)
async def test_async_client_mirrors_the_client(resource: str) -> None:
    with Client("http://127.0.0.1:9", "key") as client:
        sync_methods = public_methods(getattr(client, resource))
    async with AsyncClient("http://127.0.0.1:9", "key") as async_client:
        async_methods = public_methods(getattr(async_client, resource))
    assert sorted(async_methods) == sorted(sync_methods)
    for name, method in sync_methods.items():
        twin = async_methods[name]
        assert inspect.signature(twin).parameters == inspect.signature(method).parameters, name
        is_async = inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin)
        assert is_async, name
        assert not inspect.iscoroutinefunction(method), name
