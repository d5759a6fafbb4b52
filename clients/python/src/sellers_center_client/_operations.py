"""Every call of the API as an ``Operation``: the request to send and how to read the answer.

Both clients build their calls here, so a path, a parameter or a model is written once.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sellers_center_client._batch import (
    BatchAccepted,
    BatchesPage,
    BatchRef,
    BatchResult,
    BatchStatus,
    BatchSummary,
    ItemT,
)
from sellers_center_client._catalog import (
    AttributeGroup,
    Brand,
    CarriersPage,
    CategoriesPage,
    Countries,
)
from sellers_center_client._errors import InvalidRequest
from sellers_center_client._http import (
    ApiRequest,
    ApiResponse,
    Operation,
    json_body,
    no_content,
    parser,
    pdf_document,
)
from sellers_center_client._kind import KindSpec
from sellers_center_client._orders import OrdersPage, OrderStatus
from sellers_center_client._products import ProductsPage, ProductStatus, RejectedProductsPage
from sellers_center_client._webhooks import (
    CreateWebhook,
    DeliveriesPage,
    Delivery,
    UpdateWebhook,
    Webhook,
    WebhookSecret,
    WebhookType,
)

BatchId = uuid.UUID | str
"""A batch id as a UUID or its text."""
WebhookId = uuid.UUID | str
"""A webhook subscription's (or delivery's) id as a UUID or its text."""

cached_parser = functools.cache(parser)
PDF = "application/pdf"


# The service's bounds on a key: 1 to 255 printable ASCII characters.
MAX_KEY_LENGTH = 255


def idempotency_key(explicit: str | None, *, automatic: bool) -> str | None:
    """The key of one logical submit: the caller's (checked as the service checks it, so a
    key it would refuse raises InvalidRequest before anything is sent), else a fresh one unless
    switched off."""
    if explicit is None:
        return str(uuid.uuid4()) if automatic else None
    is_printable = all(" " <= character <= "~" for character in explicit)
    if not explicit or len(explicit) > MAX_KEY_LENGTH or not is_printable:
        raise InvalidRequest(
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            f"got {explicit!r}"
        )
    return explicit


def submit(
    spec: KindSpec[ItemT], items: Iterable[ItemT | Mapping[str, Any]], key: str | None
) -> Operation[BatchRef[ItemT]]:
    """A batch of items of one kind; raises InvalidRequest before anything is sent when the
    items do not fit the kind."""
    models = spec.items(items)
    body = json_body({"items": [model.to_wire() for model in models]})
    request = ApiRequest(spec.method, spec.path, spec.submit_bucket, body=body, idempotency_key=key)
    read_accepted = cached_parser(BatchAccepted)

    def parse(response: ApiResponse) -> BatchRef[ItemT]:
        accepted: BatchAccepted = read_accepted(response)
        return BatchRef(spec.name, accepted.batch_id, key)

    return Operation(request, parse)


def results(
    spec: KindSpec[ItemT],
    batch_id: BatchId,
    *,
    only_failed: bool = False,
    page: int | None = None,
    per_page: int | None = None,
) -> Operation[BatchResult[ItemT]]:
    """A batch's results: all of them (the contract's call, no other parameter), only the
    failed ones, and/or one page of them."""
    params = _params(
        batch_request_id=str(as_batch_id(batch_id)),
        only="failed" if only_failed else None,
        page=page,
        per_page=per_page,
    )
    request = ApiRequest("GET", spec.results_path, spec.results_bucket, params=params)
    return Operation(request, cached_parser(spec.result_model))


def list_batches(
    *,
    kind: str | None,
    status: BatchStatus | str | Sequence[BatchStatus | str] | None,
    created_from: datetime | str | None,
    created_to: datetime | str | None,
    cursor: str | None,
    per_page: int,
) -> Operation[BatchesPage]:
    statuses = [status] if isinstance(status, str) else list(status or ())
    params = _params(kind=kind, created_from=_time(created_from), created_to=_time(created_to))
    params += tuple(("status", str(value)) for value in statuses)
    params += _params(cursor=cursor, per_page=per_page)
    request = ApiRequest("GET", "/api/v1/batches/", "batches.list", params=params)
    return Operation(request, cached_parser(BatchesPage))


def get_batch(batch_id: BatchId) -> Operation[BatchSummary]:
    path = f"/api/v1/batches/{as_batch_id(batch_id)}"
    return Operation(ApiRequest("GET", path, "batches.read"), cached_parser(BatchSummary))


def list_products(
    *,
    style_key: str | None,
    sku: str | None,
    status: ProductStatus | str | None,
    page: int,
    per_page: int,
) -> Operation[ProductsPage]:
    params = _params(style_key=style_key, sku=sku, status=status, page=page, per_page=per_page)
    request = ApiRequest("GET", "/api/v1/products/", "products.read", params=params)
    return Operation(request, cached_parser(ProductsPage))


def delete_product(sku: str) -> Operation[None]:
    path = f"/api/v1/products/{quote(sku, safe='')}"
    return Operation(ApiRequest("DELETE", path, "products.delete"), no_content)


def rejected_products(
    *, style_key: str | None, page: int, per_page: int
) -> Operation[RejectedProductsPage]:
    params = _params(style_key=style_key, page=page, per_page=per_page)
    request = ApiRequest("GET", "/api/v1/products/rejected", "products.rejected", params=params)
    return Operation(request, cached_parser(RejectedProductsPage))


def categories(
    *, query: str | None, parent_category: int | None, page: int, per_page: int
) -> Operation[CategoriesPage]:
    params = _params(query=query, parent_category=parent_category, page=page, per_page=per_page)
    request = ApiRequest("GET", "/api/v1/categories/", "categories", params=params)
    return Operation(request, cached_parser(CategoriesPage))


def attribute_groups(category_id: int) -> Operation[list[AttributeGroup]]:
    path = f"/api/v1/categories/{int(category_id)}/attribute-groups"
    request = ApiRequest("GET", path, "attribute_groups")
    return Operation(request, cached_parser(list[AttributeGroup]))


def brands() -> Operation[list[Brand]]:
    request = ApiRequest("GET", "/api/v1/brands/", "brands")
    return Operation(request, cached_parser(list[Brand]))


def countries() -> Operation[Countries]:
    request = ApiRequest("GET", "/api/v1/countries/", "countries")
    return Operation(request, cached_parser(Countries))


def carriers(*, page: int, per_page: int) -> Operation[CarriersPage]:
    params = _params(page=page, per_page=per_page)
    request = ApiRequest("GET", "/api/v1/orders/carriers/", "orders.carriers", params=params)
    return Operation(request, cached_parser(CarriersPage))


def list_orders(
    *,
    order_number: str | None,
    order_status: OrderStatus | str | None,
    orders_from: datetime | str | None,
    orders_to: datetime | str | None,
    page: int | None,
    per_page: int,
    cursor: str | None,
) -> Operation[OrdersPage]:
    params = _params(
        order_number=order_number,
        order_status=order_status,
        orders_from=_time(orders_from),
        orders_to=_time(orders_to),
        page=page,
        per_page=per_page,
        cursor=cursor,
    )
    request = ApiRequest("GET", "/api/v1/orders/", "orders.list", params=params)
    return Operation(request, cached_parser(OrdersPage))


def invoice(order_number: str) -> Operation[bytes]:
    path = f"/api/v1/orders/{quote(order_number, safe='')}/invoices"
    return Operation(ApiRequest("GET", path, "orders.invoices", accept=PDF), pdf_document)


def delivery_document(order_number: str) -> Operation[bytes]:
    path = f"/api/v1/orders/{quote(order_number, safe='')}/delivery_document"
    request = ApiRequest("GET", path, "orders.delivery_document", accept=PDF)
    return Operation(request, pdf_document)


WEBHOOKS = "/api/v1/webhooks/"


def webhook_types() -> Operation[list[WebhookType]]:
    request = ApiRequest("GET", "/api/v1/webhooks/types", "webhooks.types")
    return Operation(request, cached_parser(list[WebhookType]))


def list_webhooks() -> Operation[list[Webhook]]:
    return Operation(ApiRequest("GET", WEBHOOKS, "webhooks.list"), cached_parser(list[Webhook]))


def create_webhook(body: CreateWebhook) -> Operation[WebhookSecret]:
    # No idempotency key: the service takes none here, so a create whose answer was lost is not
    # sent again (it could subscribe twice).
    request = ApiRequest("POST", WEBHOOKS, "webhooks.create", body=json_body(body.to_wire()))
    return Operation(request, cached_parser(WebhookSecret))


def get_webhook(webhook_id: WebhookId) -> Operation[Webhook]:
    request = ApiRequest("GET", _webhook_path(webhook_id), "webhooks.read")
    return Operation(request, cached_parser(Webhook))


def update_webhook(webhook_id: WebhookId, change: UpdateWebhook) -> Operation[Webhook]:
    body = json_body(change.to_wire())
    request = ApiRequest("PATCH", _webhook_path(webhook_id), "webhooks.update", body=body)
    return Operation(request, cached_parser(Webhook))


def delete_webhook(webhook_id: WebhookId) -> Operation[None]:
    return Operation(ApiRequest("DELETE", _webhook_path(webhook_id), "webhooks.delete"), no_content)


def rotate_webhook_secret(webhook_id: WebhookId) -> Operation[WebhookSecret]:
    path = f"{_webhook_path(webhook_id)}/rotate-secret"
    return Operation(ApiRequest("POST", path, "webhooks.rotate"), cached_parser(WebhookSecret))


def webhook_deliveries(
    webhook_id: WebhookId, *, page: int, per_page: int
) -> Operation[DeliveriesPage]:
    path = f"{_webhook_path(webhook_id)}/deliveries"
    params = _params(page=page, per_page=per_page)
    request = ApiRequest("GET", path, "webhooks.deliveries", params=params)
    return Operation(request, cached_parser(DeliveriesPage))


def redeliver_webhook(webhook_id: WebhookId, delivery_id: WebhookId) -> Operation[Delivery]:
    delivery = _as_uuid(delivery_id, "delivery")
    path = f"{_webhook_path(webhook_id)}/deliveries/{delivery}/redeliver"
    return Operation(ApiRequest("POST", path, "webhooks.redeliver"), cached_parser(Delivery))


def _webhook_path(webhook_id: WebhookId) -> str:
    return f"{WEBHOOKS}{_as_uuid(webhook_id, 'webhook')}"


def _time(moment: datetime | str | None) -> str | None:
    """ISO 8601; a time without a zone is sent as it is (the service reads it as UTC)."""
    return moment.isoformat() if isinstance(moment, datetime) else moment


def as_batch_id(batch_id: BatchId) -> uuid.UUID:
    return _as_uuid(batch_id, "batch")


def _as_uuid(value: uuid.UUID | str, noun: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRequest(f"{value!r} is not a {noun} id (a UUID)") from None


def _params(**values: str | int | None) -> tuple[tuple[str, str], ...]:
    """Query parameters, leaving out those not given."""
    return tuple((name, str(value)) for name, value in values.items() if value is not None)
