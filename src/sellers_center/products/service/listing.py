"""What sellers read and delete of their variants."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.errors import ConflictError, NotFoundError
from sellers_center.products.repository import listed as listed_rows
from sellers_center.products.repository import variants as variant_rows
from sellers_center.products.repository.listed import ListedVariant
from sellers_center.products.rules import messages
from sellers_center.products.rules.publication import PublicationPolicy


async def list_products(
    session: AsyncSession,
    seller_id: int,
    *,
    style_key: str | None,
    sku: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[ListedVariant], int]:
    """A page of the seller's variants, each with its style's status, and how many there are."""
    return await listed_rows.list_variants(
        session,
        seller_id,
        style_key=style_key,
        sku=sku,
        status=status,
        offset=offset,
        limit=limit,
    )


async def variants_by_sku(
    session: AsyncSession, seller_id: int, skus: Iterable[str]
) -> dict[str, ListedVariant]:
    """The seller's variants with these SKUs (prices included), each with its style's status;
    unknown SKUs are absent."""
    return await listed_rows.variants_by_sku(session, seller_id, skus)


async def delete_product(
    session: AsyncSession, seller_id: int, sku: str, policy: PublicationPolicy
) -> None:
    """Remove a variant of a style still in preparation; the style goes with its last
    variant."""
    found = await variant_rows.find_variant_for_delete(session, seller_id, sku)
    if found is None:
        raise NotFoundError(messages.product_not_found(sku))
    variant_id, style_id, style_key, status = found
    if status not in policy.deletable_statuses:
        raise ConflictError(messages.product_not_deletable(sku, style_key, status))
    await variant_rows.delete_variant(session, variant_id, style_id)
