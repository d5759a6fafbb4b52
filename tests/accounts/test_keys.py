"""API keys on both databases: stored only as hashes, expiry and revocation honoured."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from sellers_center.accounts import service as accounts
from sellers_center.accounts.service import AuthenticationError, Principal
from sellers_center.catalog import service as catalog
from sellers_center.clock import ManualClock
from sellers_center.db.tables import ApiKey, Seller, SellerBrand
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS


async def authenticate(runtime: Runtime, key: str | None) -> Principal:
    async with runtime.database.read_session() as session:
        return await accounts.authenticate(session, key, runtime.clock.now())


async def new_seller(runtime: Runtime, name: str = "acme", brands: list[int] | None = None) -> int:
    async with runtime.database.write_session.begin() as session:
        return await accounts.create_seller(session, name, brands, runtime.clock.now())


async def new_key(runtime: Runtime, seller_id: int, days: int | None = None) -> accounts.IssuedKey:
    expires_in = timedelta(days=days) if days else None
    async with runtime.database.write_session.begin() as session:
        return await accounts.create_key(
            session, seller_id, label="test", now=runtime.clock.now(), expires_in=expires_in
        )


async def test_only_the_hash_of_a_key_is_stored(runtime: Runtime, demo_catalogue: None) -> None:
    issued = await new_key(runtime, await new_seller(runtime))

    async with runtime.database.read_session() as session:
        stored = (await session.execute(select(ApiKey))).scalar_one()
    assert stored.secret_hash == hashlib.sha256(issued.key.encode()).digest()
    secret = issued.key.split("_", 2)[2]  # sc_<id>_<secret>; the secret may hold "_"
    assert secret.encode() not in stored.secret_hash
    assert (stored.id, issued.key.startswith(f"sc_{stored.id}_")) == (issued.key_id, True)


async def test_a_valid_key_names_its_seller(runtime: Runtime, demo_catalogue: None) -> None:
    seller_id = await new_seller(runtime)
    issued = await new_key(runtime, seller_id)

    assert await authenticate(runtime, issued.key) == Principal(seller_id, issued.key_id)


@pytest.mark.parametrize(
    "key",
    [None, "", "sc_", "nonsense", "sc_000000000000_wrongsecret", "xx_{id}_{secret}", "sc_{id}_x"],
)
async def test_unusable_keys_are_refused(
    runtime: Runtime, demo_catalogue: None, key: str | None
) -> None:
    issued = await new_key(runtime, await new_seller(runtime))
    secret = issued.key.split("_", 2)[2]  # sc_<id>_<secret>; the secret may hold "_"
    attempt = None if key is None else key.format(id=issued.key_id, secret=secret)

    expected = (
        "Missing API key: send it in the X-API-Key header" if not attempt else "Invalid API key"
    )
    with pytest.raises(AuthenticationError) as refused:
        await authenticate(runtime, attempt)
    assert refused.value.message == expected


async def test_revoked_key_is_refused_from_then_on(runtime: Runtime, demo_catalogue: None) -> None:
    seller_id = await new_seller(runtime)
    revoked, kept = await new_key(runtime, seller_id), await new_key(runtime, seller_id)

    async with runtime.database.write_session.begin() as session:
        await accounts.revoke_key(session, revoked.key_id, runtime.clock.now())

    with pytest.raises(AuthenticationError, match=r"^API key has been revoked$"):
        await authenticate(runtime, revoked.key)
    assert (await authenticate(runtime, kept.key)).key_id == kept.key_id
    async with runtime.database.read_session() as session:
        states = {
            k.key_id: k.state(runtime.clock.now())
            for k in await accounts.list_keys(session, seller_id)
        }
    assert states == {revoked.key_id: "revoked", kept.key_id: "active"}


async def test_key_expires_at_its_time(
    runtime: Runtime, demo_catalogue: None, clock: ManualClock
) -> None:
    issued = await new_key(runtime, await new_seller(runtime), days=2)

    clock.advance(timedelta(days=2).total_seconds() - 1)
    assert (await authenticate(runtime, issued.key)).key_id == issued.key_id
    clock.advance(1)
    with pytest.raises(AuthenticationError, match=r"^API key has expired$"):
        await authenticate(runtime, issued.key)


async def test_revoking_an_unknown_key_is_not_found(runtime: Runtime) -> None:
    async with runtime.database.write_session.begin() as session:
        with pytest.raises(NotFoundError, match=r"^API key 'missing' not found$"):
            await accounts.revoke_key(session, "missing", runtime.clock.now())


async def test_seller_gets_every_brand_by_default(runtime: Runtime, demo_catalogue: None) -> None:
    everything = await new_seller(runtime, "everything")
    chosen = await new_seller(runtime, "chosen", [1102, 1101, 1102])

    async with runtime.database.read_session() as session:
        all_brands = [b for b, _ in await accounts.seller_brands(session, everything)]
        chosen_brands = [b for b, _ in await accounts.seller_brands(session, chosen)]
    assert len(all_brands) >= 10
    assert chosen_brands == [1101, 1102]


async def test_seller_creation_refuses_duplicates_and_unknown_brands(
    runtime: Runtime, demo_catalogue: None
) -> None:
    await new_seller(runtime, "acme")

    with pytest.raises(ConflictError, match=r"^Seller 'acme' already exists$"):
        await new_seller(runtime, "acme")
    with pytest.raises(InvalidInputError, match=r"^Unknown brand ids: 1, 2$"):
        await new_seller(runtime, "other", [1, 2])
    with pytest.raises(InvalidInputError, match=r"^Seller name must not be empty$"):
        await new_seller(runtime, "  ")
    async with runtime.database.read_session() as session:
        sellers = (await session.execute(select(Seller.name))).scalars().all()
        grants = (await session.execute(select(SellerBrand.seller_id))).scalars().all()
    assert sellers == ["acme"]
    brand_group = next(g for g in catalog.demo_document().attribute_groups if g.role == "brand")
    assert len(grants) == len(brand_group.attributes)
