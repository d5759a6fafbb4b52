"""The key cache of a process (``accounts.keycache``) next to revocations, on both databases:
a key found valid by a lookup that a revocation overtook is never remembered, whatever other
requests of the process did meanwhile."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import repository
from sellers_center.accounts import service as accounts
from sellers_center.accounts.service import AuthenticationError, Principal
from sellers_center.db.tables import ApiKey
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS, SellerKey

pytestmark = BOTH_BACKENDS


async def authenticate(runtime: Runtime, key: str) -> Principal:
    async with runtime.database.read_session() as session:
        return await accounts.authenticate(session, key, runtime.clock.now(), runtime.key_cache)


async def test_a_key_revoked_during_its_lookup_is_not_remembered_after_another_read(
    runtime: Runtime,
    seller: SellerKey,
    other_seller: SellerKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    find_key = repository.find_key
    revocations: list[str] = []

    async def found_then_revoked(session: AsyncSession, key_id: str) -> ApiKey | None:
        """The lookup reads the key valid; then the revocation commits and another request
        reads the cache (which so catches up with the revocation) before the lookup ends."""
        stored = await find_key(session, key_id)
        if key_id == seller.key_id and not revocations:
            revocations.append(key_id)  # revoke_key looks the key up too
            async with runtime.database.write_session.begin() as writer:
                await accounts.revoke_key(writer, seller.key_id, runtime.clock.now())
            assert accounts.cached_principal(runtime.key_cache, other_seller.key, now()) is None
        return stored

    def now() -> datetime:
        return runtime.clock.now()

    monkeypatch.setattr(repository, "find_key", found_then_revoked)
    overtaken = await authenticate(runtime, seller.key)
    monkeypatch.setattr(repository, "find_key", find_key)

    assert revocations == [seller.key_id]
    assert overtaken == Principal(seller.seller_id, seller.key_id)  # valid when it was read
    assert len(runtime.key_cache) == 0
    assert accounts.cached_principal(runtime.key_cache, seller.key, now()) is None
    with pytest.raises(AuthenticationError) as refused:
        await authenticate(runtime, seller.key)
    assert refused.value.message == "API key has been revoked"


async def test_a_key_looked_up_without_a_revocation_meanwhile_is_remembered(
    runtime: Runtime, seller: SellerKey, other_seller: SellerKey
) -> None:
    async with runtime.database.write_session.begin() as session:
        await accounts.revoke_key(session, other_seller.key_id, runtime.clock.now())

    principal = await authenticate(runtime, seller.key)

    assert len(runtime.key_cache) == 1
    cached = accounts.cached_principal(runtime.key_cache, seller.key, runtime.clock.now())
    assert cached == principal == Principal(seller.seller_id, seller.key_id)
