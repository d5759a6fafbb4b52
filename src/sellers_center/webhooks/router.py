"""Webhook subscriptions and their delivery log (docs/api.md#webhooks)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts.service import Principal
from sellers_center.http.dependencies import (
    ReadSession,
    RuntimeDependency,
    WriteSession,
    authenticated,
)
from sellers_center.http.errors import ApiError
from sellers_center.http.query import Page, PerPage, page_links
from sellers_center.http.ratelimit import describe_limit
from sellers_center.http.routing import SlashAgnosticRouter
from sellers_center.http.schemas import BadRequestSchema
from sellers_center.pagination import DEFAULT_PER_PAGE, offset
from sellers_center.runtime import Runtime
from sellers_center.webhooks import service
from sellers_center.webhooks.rules import SubscriptionRefusedError
from sellers_center.webhooks.schemas import (
    CreateWebhookSchema,
    DeliveriesPageSchema,
    DeliverySchema,
    UpdateWebhookSchema,
    WebhookSchema,
    WebhookSecretSchema,
    WebhookTypeSchema,
)

router = SlashAgnosticRouter(tags=["Webhooks"])

# Default requests per minute per API key (docs/api.md#limits).
LIMIT = 50
UPDATE_LIMIT = 100
PATH = "/api/v1/webhooks/{subscription_id}"
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": BadRequestSchema, "description": "No such subscription"}}
REFUSED: Responses = {
    422: {"model": BadRequestSchema, "description": "Unknown events or a refused URL"}
}


def _refused(error: SubscriptionRefusedError) -> ApiError:
    return ApiError(422, error.message)


def _schema(subscription: service.Subscription) -> WebhookSchema:
    return WebhookSchema(
        id=subscription.id,
        events=list(subscription.events),
        url=subscription.url,
        description=subscription.description,
        enabled=subscription.enabled,
        created_at=subscription.created_at,
    )


@router.get(
    "/api/v1/webhooks/types", summary="List webhook events", description=describe_limit(LIMIT)
)
async def list_webhook_types(
    _: Annotated[Principal, authenticated("webhooks.types", LIMIT)],
) -> list[WebhookTypeSchema]:
    return [WebhookTypeSchema(event=e, description=d) for e, d in service.event_types()]


@router.get("/api/v1/webhooks/", summary="List webhooks", description=describe_limit(LIMIT))
async def list_webhooks(
    session: ReadSession,
    principal: Annotated[Principal, authenticated("webhooks.list", LIMIT)],
) -> list[WebhookSchema]:
    found = await service.list_subscriptions(session, principal.seller_id)
    return [_schema(subscription) for subscription in found]


@router.post(
    "/api/v1/webhooks/",
    summary="Subscribe to events",
    description=describe_limit(LIMIT),
    status_code=201,
    responses={**REFUSED, 409: {"model": BadRequestSchema, "description": "Too many webhooks"}},
)
async def create_webhook(
    body: CreateWebhookSchema,
    runtime: RuntimeDependency,
    principal: Annotated[Principal, authenticated("webhooks.create", LIMIT)],
) -> WebhookSecretSchema:
    """The secret is in this answer only; keep it to verify each request's signatures."""
    # The target is resolved before the write transaction opens: resolving may take seconds,
    # and a write open that long would hold SQLite's write lock (the workers' too).
    url = await _checked(runtime, body.url)

    async def store(session: AsyncSession) -> tuple[uuid.UUID, str]:
        return await service.create(
            session,
            principal.seller_id,
            events=body.events,
            url=url,
            description=body.description,
            now=runtime.clock.now(),
        )

    try:
        subscription_id, secret = await runtime.unit.write(store)
    except SubscriptionRefusedError as error:
        raise _refused(error) from None
    return WebhookSecretSchema(id=subscription_id, client_secret=secret)


async def _checked(runtime: Runtime, url: str) -> service.CheckedUrl:
    try:
        return await service.check_url(url, runtime.webhook_config().policy)
    except SubscriptionRefusedError as error:
        raise _refused(error) from None


@router.get(PATH, summary="Get a webhook", description=describe_limit(LIMIT), responses=NOT_FOUND)
async def get_webhook(
    subscription_id: uuid.UUID,
    session: ReadSession,
    principal: Annotated[Principal, authenticated("webhooks.read", LIMIT)],
) -> WebhookSchema:
    return _schema(await service.get(session, principal.seller_id, subscription_id))


@router.patch(
    PATH,
    summary="Change a webhook",
    description=describe_limit(UPDATE_LIMIT),
    responses={**NOT_FOUND, **REFUSED},
)
async def update_webhook(
    subscription_id: uuid.UUID,
    body: UpdateWebhookSchema,
    runtime: RuntimeDependency,
    principal: Annotated[Principal, authenticated("webhooks.update", UPDATE_LIMIT)],
) -> WebhookSchema:
    """Enabling a disabled webhook starts its failure count again."""
    sent = body.model_fields_set
    url = None if body.url is None else await _checked(runtime, body.url)
    change = service.SubscriptionChange(
        events=body.events,
        url=url,
        description=body.description,
        clear_description="description" in sent and body.description is None,
        enabled=body.enabled,
    )

    async def store(session: AsyncSession) -> service.Subscription:
        return await service.update(
            session, principal.seller_id, subscription_id, change, now=runtime.clock.now()
        )

    try:
        updated = await runtime.unit.write(store)
    except SubscriptionRefusedError as error:
        raise _refused(error) from None
    return _schema(updated)


@router.delete(
    PATH,
    summary="Delete a webhook",
    description=describe_limit(LIMIT),
    status_code=204,
    responses=NOT_FOUND,
)
async def delete_webhook(
    subscription_id: uuid.UUID,
    session: WriteSession,
    principal: Annotated[Principal, authenticated("webhooks.delete", LIMIT)],
) -> Response:
    """Deliveries still pending are dropped: nothing more is sent."""
    await service.delete(session, principal.seller_id, subscription_id)
    return Response(status_code=204)


@router.post(
    f"{PATH}/rotate-secret",
    summary="Rotate a webhook's secret",
    description=describe_limit(LIMIT),
    responses=NOT_FOUND,
)
async def rotate_webhook_secret(
    subscription_id: uuid.UUID,
    runtime: RuntimeDependency,
    session: WriteSession,
    principal: Annotated[Principal, authenticated("webhooks.rotate", LIMIT)],
) -> WebhookSecretSchema:
    """The old secret keeps signing beside the new one for WEBHOOK_SECRET_GRACE_HOURS."""
    grace = timedelta(hours=runtime.settings.webhook_secret_grace_hours)
    secret = await service.rotate_secret(
        session, principal.seller_id, subscription_id, grace=grace, now=runtime.clock.now()
    )
    return WebhookSecretSchema(id=subscription_id, client_secret=secret)


@router.get(
    f"{PATH}/deliveries",
    summary="A webhook's deliveries, newest first",
    description=describe_limit(LIMIT),
    responses=NOT_FOUND,
)
async def list_webhook_deliveries(
    request: Request,
    subscription_id: uuid.UUID,
    session: ReadSession,
    principal: Annotated[Principal, authenticated("webhooks.deliveries", LIMIT)],
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> DeliveriesPageSchema:
    entries, total = await service.deliveries(
        session,
        principal.seller_id,
        subscription_id,
        offset=offset(page, per_page),
        limit=per_page,
    )
    pagination = page_links(request, page=page, per_page=per_page, total=total)
    return DeliveriesPageSchema(items=[_delivery(e) for e in entries], pagination=pagination)


@router.post(
    f"{PATH}/deliveries/{{delivery_id}}/redeliver",
    summary="Deliver an event again",
    description=describe_limit(LIMIT),
    status_code=202,
    responses={
        **NOT_FOUND,
        409: {
            "model": BadRequestSchema,
            "description": "An attempt runs, or the webhook is disabled",
        },
    },
)
async def redeliver_webhook_delivery(
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    runtime: RuntimeDependency,
    session: WriteSession,
    principal: Annotated[Principal, authenticated("webhooks.redeliver", LIMIT)],
) -> DeliverySchema:
    entry = await service.redeliver(
        session, principal.seller_id, subscription_id, delivery_id, now=runtime.clock.now()
    )
    return _delivery(entry)


def _delivery(entry: service.DeliveryEntry) -> DeliverySchema:
    return DeliverySchema(
        id=entry.id,
        event_id=entry.event_id,
        event=entry.event,
        status=entry.status,
        attempts=entry.attempts,
        last_response_code=entry.last_status_code,
        last_error=entry.last_error,
        last_attempt_at=entry.last_attempt_at,
        next_attempt_at=entry.next_attempt_at,
        created_at=entry.created_at,
    )
