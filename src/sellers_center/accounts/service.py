"""Sellers and API keys.

A key reads ``sc_<id>_<secret>``: the id is public (listed, revoked by), the secret is 256 random
bits. Only the SHA-256 of the whole key is stored; a slow password hash buys nothing for a
secret that cannot be guessed, and would cost every request. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts import repository
from sellers_center.accounts.keycache import KeyCache, note_revocation
from sellers_center.errors import ConflictError, InvalidInputError, NotFoundError

KEY_PREFIX = "sc"
KEY_ID_BYTES = 6
KEY_SECRET_BYTES = 32

MISSING_KEY = "Missing API key: send it in the X-API-Key header"
EXPIRED_KEY = "API key has expired"


class AuthenticationError(Exception):
    """The request carries no usable API key; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the seller every read and write is scoped to, and the key used."""

    seller_id: int
    key_id: str


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key_id: str
    key: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def create_seller(
    session: AsyncSession, name: str, brands: Sequence[int] | None, now: datetime
) -> int:
    """Create a seller allowed to use ``brands`` (default: every brand of the catalogue)."""
    name = name.strip()
    if not name:
        raise InvalidInputError("Seller name must not be empty")
    if await repository.find_seller_id(session, name) is not None:
        raise ConflictError(f"Seller {name!r} already exists")
    known = await repository.brand_ids(session)
    chosen = known if brands is None else sorted(set(brands))
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise InvalidInputError(f"Unknown brand ids: {', '.join(map(str, unknown))}")
    seller_id = await repository.insert_seller(session, name, now)
    await repository.grant_brands(session, seller_id, chosen)
    return seller_id


async def seller_id_by_name(session: AsyncSession, name: str) -> int:
    seller_id = await repository.find_seller_id(session, name)
    if seller_id is None:
        raise NotFoundError(f"Seller {name!r} not found")
    return seller_id


async def seller_names(session: AsyncSession, seller_ids: Iterable[int]) -> dict[int, str]:
    """The name of each of these sellers, by id."""
    return await repository.seller_names(session, seller_ids)


async def has_sellers(session: AsyncSession) -> bool:
    return await repository.count_sellers(session) > 0


async def create_key(
    session: AsyncSession,
    seller_id: int,
    *,
    label: str | None,
    now: datetime,
    expires_in: timedelta | None = None,
) -> IssuedKey:
    key_id = secrets.token_hex(KEY_ID_BYTES)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(KEY_SECRET_BYTES)}"
    expires_at = now + expires_in if expires_in is not None else None
    await repository.insert_key(
        session,
        key_id=key_id,
        seller_id=seller_id,
        secret_hash=_hash(key),
        label=label,
        now=now,
        expires_at=expires_at,
    )
    return IssuedKey(key_id, key, expires_at)


async def list_keys(session: AsyncSession, seller_id: int) -> list[KeyInfo]:
    keys = await repository.list_keys(session, seller_id)
    return [KeyInfo(k.id, k.label, k.created_at, k.expires_at, k.revoked_at) for k in keys]


async def revoke_key(session: AsyncSession, key_id: str, now: datetime) -> None:
    if await repository.find_key(session, key_id) is None:
        raise NotFoundError(f"API key {key_id!r} not found")
    await repository.revoke_key(session, key_id, now)
    # Key caches of this process forget at once, and again once the revocation is committed,
    # so that a lookup made meanwhile (which still found the key valid) is not kept either.
    note_revocation()
    event.listen(session.sync_session, "after_commit", lambda _: note_revocation(), once=True)


def cached_principal(cache: KeyCache, key: str | None, now: datetime) -> Principal | None:
    """The caller, from keys this process verified lately; None when the key must be looked up
    (``authenticate``). An expired key is refused as ``authenticate`` refuses it."""
    if not key:
        raise AuthenticationError(MISSING_KEY)
    entry = cache.get(key, now)
    if entry is None:
        return None
    if entry.expires_at is not None and entry.expires_at <= now:
        raise AuthenticationError(EXPIRED_KEY)
    return entry.principal


async def authenticate(
    session: AsyncSession, key: str | None, now: datetime, cache: KeyCache | None = None
) -> Principal:
    """The caller of ``key``; a valid key is remembered in ``cache`` when one is given."""
    if not key:
        raise AuthenticationError(MISSING_KEY)
    lookup = None if cache is None else cache.lookup_started()
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    stored = await repository.find_key(session, key_id) if prefix == KEY_PREFIX and secret else None
    if stored is None or not hmac.compare_digest(stored.secret_hash, _hash(key)):
        raise AuthenticationError("Invalid API key")
    if stored.revoked_at is not None:
        raise AuthenticationError("API key has been revoked")
    if stored.expires_at is not None and stored.expires_at <= now:
        raise AuthenticationError(EXPIRED_KEY)
    principal = Principal(stored.seller_id, stored.id)
    if cache is not None and lookup is not None:
        cache.put(key, principal, stored.expires_at, now, lookup=lookup)
    return principal


async def seller_brands(session: AsyncSession, seller_id: int) -> list[tuple[int, str]]:
    """The (id, display name) of each brand the seller may use."""
    return await repository.seller_brands(session, seller_id)
