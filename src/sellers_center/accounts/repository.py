"""All SQL about sellers and API keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db.tables import (
    ApiKey,
    Attribute,
    AttributeGroup,
    Seller,
    SellerBrand,
)


async def find_seller_id(session: AsyncSession, name: str) -> int | None:
    return (
        await session.execute(select(Seller.id).where(Seller.name == name))
    ).scalar_one_or_none()


async def seller_names(session: AsyncSession, seller_ids: Iterable[int]) -> dict[int, str]:
    statement = select(Seller.id, Seller.name).where(Seller.id.in_(set(seller_ids)))
    return {row.id: row.name for row in await session.execute(statement)}


async def insert_seller(session: AsyncSession, name: str, now: datetime) -> int:
    statement = insert(Seller).values(name=name, created_at=now).returning(Seller.id)
    return (await session.execute(statement)).scalar_one()


async def count_sellers(session: AsyncSession) -> int:
    return len((await session.execute(select(Seller.id).limit(1))).all())


async def brand_ids(session: AsyncSession) -> list[int]:
    statement = (
        select(Attribute.id)
        .join(AttributeGroup, AttributeGroup.id == Attribute.group_id)
        .where(AttributeGroup.role == "brand")
        .order_by(Attribute.id)
    )
    return list((await session.execute(statement)).scalars())


async def grant_brands(session: AsyncSession, seller_id: int, brands: Sequence[int]) -> None:
    if brands:
        rows = [{"seller_id": seller_id, "brand_id": brand} for brand in brands]
        await session.execute(insert(SellerBrand), rows)


async def seller_brands(session: AsyncSession, seller_id: int) -> list[tuple[int, str]]:
    statement = (
        select(Attribute.id, Attribute.frontend_name)
        .join(SellerBrand, SellerBrand.brand_id == Attribute.id)
        .where(SellerBrand.seller_id == seller_id)
        .order_by(Attribute.id)
    )
    return [(row.id, row.frontend_name) for row in await session.execute(statement)]


async def insert_key(
    session: AsyncSession,
    *,
    key_id: str,
    seller_id: int,
    secret_hash: bytes,
    label: str | None,
    now: datetime,
    expires_at: datetime | None,
) -> None:
    await session.execute(
        insert(ApiKey).values(
            id=key_id,
            seller_id=seller_id,
            secret_hash=secret_hash,
            label=label,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def find_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.id == key_id))).scalar_one_or_none()


async def list_keys(session: AsyncSession, seller_id: int) -> Sequence[ApiKey]:
    statement = select(ApiKey).where(ApiKey.seller_id == seller_id).order_by(ApiKey.created_at)
    return (await session.execute(statement)).scalars().all()


async def revoke_key(session: AsyncSession, key_id: str, now: datetime) -> bool:
    statement = (
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined, no-any-return]
