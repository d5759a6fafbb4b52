"""Rate limits counted in Redis: exact across limiters (API processes) sharing one Redis, fail
open to per-process memory when Redis is down or too slow (warning once, gauge 0, fallback
counter), back to Redis once it answers again, and the readiness check of the storage."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis
from limits.aio.storage import RedisStorage
from prometheus_client import REGISTRY
from redis.exceptions import RedisError

from sellers_center.ratelimit import REDIS_KEY_PREFIX, Allowance, RateLimiter
from sellers_center.settings import Settings

T = TypeVar("T")

LIMITER_LOGGER = "sellers_center.ratelimit.limiter"
DOWN_MESSAGE = "rate limits: Redis did not answer"
BACK_MESSAGE = "rate limits: Redis answers again; limits are shared across processes"
BUCKET = "results"
# A hit never takes longer than the limiter's own timeout; this only bounds a broken test.
BOUND_SECONDS = 3
START_SECONDS = 10
RETRY_SECONDS = 0.2


def free_port() -> int:
    """A local port nobody listens on (bound then released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def bounded(call: Awaitable[T], seconds: float = BOUND_SECONDS) -> T:
    async with asyncio.timeout(seconds):
        return await call


def storage_up() -> float | None:
    return REGISTRY.get_sample_value("sellers_center_rate_limit_storage_up")


def fallbacks() -> float:
    return REGISTRY.get_sample_value("sellers_center_rate_limit_fallback_total") or 0.0


def redis_storage(port: int, *, timeout: float = 0.5) -> RedisStorage:
    return RedisStorage(
        f"async+redis://127.0.0.1:{port}/0",
        implementation="redispy",
        wrap_exceptions=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )


def limiter_on(
    storage: RedisStorage, *, limit: int = 3, timeout: float = 0.5, retry_seconds: float = 60
) -> RateLimiter:
    """A limiter counting ``BUCKET`` (``limit`` a minute) in ``storage``."""
    return RateLimiter(
        {BUCKET: limit},
        is_enabled=True,
        shared=storage,
        timeout_seconds=timeout,
        retry_seconds=retry_seconds,
    )


async def close(limiter: RateLimiter) -> None:
    await bounded(limiter.aclose())


def logged(caplog: pytest.LogCaptureFixture, start: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == LIMITER_LOGGER and record.getMessage().startswith(start)
    ]


async def forget(redis_url: str, *key_ids: str) -> None:
    """Delete the windows a test made in the shared Redis."""
    client = aioredis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        for key_id in key_ids:
            for key in await client.keys(f"*{key_id}*"):
                await client.delete(key)
    finally:
        await client.aclose()


class RedisServer:
    """A redis-server of the test's own, which it may kill and restart on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with asyncio.timeout(START_SECONDS):
            while not await self._answers():
                assert self.process.returncode is None, "redis-server exited at start"
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await bounded(self.process.wait(), START_SECONDS)
        self.process = None

    async def window_length(self, key_id: str) -> int:
        """Hits recorded in this Redis for ``key_id`` (limits keeps a list per window)."""
        client = aioredis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            keys = await client.keys(f"*{key_id}*")
            return sum([await client.llen(key) for key in keys])
        finally:
            await client.aclose()

    async def _answers(self) -> bool:
        client = aioredis.Redis(port=self.port, socket_timeout=0.2, socket_connect_timeout=0.2)
        try:
            return bool(await client.ping())
        except RedisError:
            return False
        finally:
            await client.aclose()


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    try:
        await server.start()
        yield server
    finally:
        await server.kill()


# --- shared counting -----------------------------------------------------------------------------


async def test_two_limiters_on_one_redis_allow_exactly_the_limit(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, rate_limits={})
    processes = [RateLimiter.from_settings(settings), RateLimiter.from_settings(settings)]
    key_id = uuid.uuid4().hex
    fallbacks_before = fallbacks()
    client = aioredis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        allowances: list[Allowance | None] = []
        for start in range(0, 300, 20):
            chunk = [processes[n % 2].hit(BUCKET, 200, key_id) for n in range(start, start + 20)]
            allowances += await bounded(asyncio.gather(*chunk), 10)
        stored = [await client.llen(key) for key in await client.keys(f"*{key_id}*")]
        key_names = await client.keys(f"{REDIS_KEY_PREFIX}:*{key_id}*")
    finally:
        await client.aclose()
        await forget(redis_url, key_id)
        for limiter in processes:
            await close(limiter)

    given = [allowance for allowance in allowances if allowance is not None]
    assert len(given) == 300
    allowed = [a for a in given if a.is_allowed]
    refused = [a for a in given if not a.is_allowed]
    assert (len(allowed), len(refused)) == (200, 100)
    assert {a.limit for a in given} == {200}
    # Read after the hit, so concurrent hits may already have lowered it; never below 0.
    assert min(a.remaining for a in allowed) >= 0
    assert max(a.remaining for a in allowed) <= 199
    assert {a.remaining for a in refused} == {0}
    assert [type(a.retry_after) for a in refused] == [int] * 100
    assert min(a.retry_after or 0 for a in refused) >= 1
    assert max(a.retry_after or 0 for a in refused) <= 60
    assert stored == [200]
    assert len(key_names) == 1
    assert fallbacks() == fallbacks_before
    assert [limiter.is_shared for limiter in processes] == [True, True]


async def test_limiters_on_one_redis_see_each_others_hits(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, rate_limits={BUCKET: 3})
    first, second = RateLimiter.from_settings(settings), RateLimiter.from_settings(settings)
    key_id, other_key_id = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        hits = [
            await bounded(first.hit(BUCKET, 200, key_id)),
            await bounded(second.hit(BUCKET, 200, key_id)),
            await bounded(first.hit(BUCKET, 200, key_id)),
            await bounded(second.hit(BUCKET, 200, key_id)),
            await bounded(first.hit(BUCKET, 200, other_key_id)),
        ]
    finally:
        await forget(redis_url, key_id, other_key_id)
        await close(first)
        await close(second)

    assert [(a.limit, a.remaining, a.is_allowed) for a in hits if a is not None] == [
        (3, 2, True),
        (3, 1, True),
        (3, 0, True),
        (3, 0, False),
        (3, 2, True),
    ]


# --- failing open and recovering ------------------------------------------------------------------


@pytest.mark.slow  # starts a redis-server of its own
async def test_redis_outage_counts_in_memory_then_redis_again(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LIMITER_LOGGER)
    limiter = limiter_on(redis_storage(own_redis.port), retry_seconds=RETRY_SECONDS)
    key_id = uuid.uuid4().hex

    async def hit() -> Allowance | None:
        return await bounded(limiter.hit(BUCKET, 200, key_id))

    try:
        up = [await hit(), await hit()]
        stored_while_up = await own_redis.window_length(key_id)
        gauge_while_up = storage_up()
        fallbacks_before = fallbacks()

        await own_redis.kill()
        down = [await hit() for _ in range(4)]
        gauge_while_down, fallbacks_while_down = storage_up(), fallbacks() - fallbacks_before
        await asyncio.sleep(RETRY_SECONDS * 1.5)
        still_down = await hit()
        warned_while_down = logged(caplog, DOWN_MESSAGE)

        await own_redis.start()
        await asyncio.sleep(RETRY_SECONDS * 1.5)
        back = await hit()
        stored_when_back = await own_redis.window_length(key_id)
    finally:
        await close(limiter)

    assert up == [Allowance(3, 2, None), Allowance(3, 1, None)]
    assert (stored_while_up, gauge_while_up) == (2, 1.0)

    assert [(a.limit, a.remaining, a.is_allowed) for a in down if a is not None] == [
        (3, 2, True),
        (3, 1, True),
        (3, 0, True),
        (3, 0, False),
    ]
    refused = down[3]
    assert refused is not None
    assert isinstance(refused.retry_after, int)
    assert 1 <= refused.retry_after <= 60
    assert (gauge_while_down, fallbacks_while_down) == (0.0, 4)
    assert still_down is not None
    assert (still_down.remaining, still_down.is_allowed) == (0, False)
    assert len(warned_while_down) == 1
    assert warned_while_down[0].levelname == "WARNING"
    assert (
        warned_while_down[0]
        .getMessage()
        .endswith("; counting in process memory, retrying Redis every 0.2 s")
    )
    assert warned_while_down[0].__dict__["rate_limit_storage"] == "memory"

    # The restarted Redis is empty: only a hit counted there is allowed with 2 remaining.
    assert back == Allowance(3, 2, None)
    assert stored_when_back == 1
    assert storage_up() == 1.0
    assert fallbacks() - fallbacks_before == 5
    assert len(logged(caplog, DOWN_MESSAGE)) == 1
    recovered = logged(caplog, BACK_MESSAGE)
    assert [record.getMessage() for record in recovered] == [BACK_MESSAGE]
    assert recovered[0].__dict__["rate_limit_storage"] == "redis"
    assert limiter.is_shared


@pytest.mark.slow  # starts a redis-server of its own
async def test_redis_is_not_tried_again_before_retry_seconds(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LIMITER_LOGGER)
    limiter = limiter_on(redis_storage(own_redis.port))
    key_id = uuid.uuid4().hex

    async def hit() -> Allowance | None:
        return await bounded(limiter.hit(BUCKET, 200, key_id))

    try:
        counted_in_redis = await hit()
        await own_redis.kill()
        counted_in_memory = await hit()
        await own_redis.start()
        still_in_memory = await hit()
        stored = await own_redis.window_length(key_id)
    finally:
        await close(limiter)

    assert counted_in_redis == Allowance(3, 2, None)
    assert counted_in_memory == Allowance(3, 2, None)
    # Redis answers again, but the retry is a minute away: the hit stays in memory.
    assert still_in_memory == Allowance(3, 1, None)
    assert stored == 0
    assert storage_up() == 0.0
    assert not limiter.is_shared
    assert logged(caplog, BACK_MESSAGE) == []
    assert len(logged(caplog, DOWN_MESSAGE)) == 1


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


async def test_a_redis_slower_than_the_timeout_is_left_for_memory(
    silent_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LIMITER_LOGGER)
    limiter = limiter_on(redis_storage(silent_port, timeout=30), timeout=0.2)
    fallbacks_before = fallbacks()
    try:
        hits = [await bounded(limiter.hit(BUCKET, 200, "slow")) for _ in range(3)]
    finally:
        await close(limiter)

    assert hits == [Allowance(3, 2, None), Allowance(3, 1, None), Allowance(3, 0, None)]
    assert [record.getMessage() for record in logged(caplog, DOWN_MESSAGE)] == [
        "rate limits: Redis did not answer (TimeoutError); counting in process memory, "
        "retrying Redis every 60 s"
    ]
    assert (storage_up(), fallbacks() - fallbacks_before) == (0.0, 3)
    assert not limiter.is_shared


async def test_while_redis_is_down_one_call_per_retry_period_probes_it(silent_port: int) -> None:
    limiter = limiter_on(
        redis_storage(silent_port, timeout=30), limit=100, timeout=0.2, retry_seconds=0.3
    )
    assert limiter._shared is not None
    shared, probes = limiter._shared, []
    original_hit = shared.hit

    async def counted_hit(*arguments: Any) -> bool:
        probes.append(arguments)
        return await original_hit(*arguments)

    shared.hit = counted_hit  # type: ignore[method-assign,assignment]
    try:
        await bounded(limiter.hit(BUCKET, 200, "burst"))  # finds Redis down
        await asyncio.sleep(0.35)  # the retry period is over
        burst = await bounded(
            asyncio.gather(*(limiter.hit(BUCKET, 200, "burst") for _ in range(5)))
        )
    finally:
        await close(limiter)

    # The first call of the burst probed (and waited); the other four did not wait on Redis.
    assert len(probes) == 2
    assert sorted(allowance.remaining for allowance in burst if allowance) == [94, 95, 96, 97, 98]


# --- readiness check -----------------------------------------------------------------------------


async def test_check_shared_is_none_without_redis() -> None:
    limiter = RateLimiter({}, is_enabled=True)

    assert await limiter.check_shared() is None
    assert storage_up() == 0.0


async def test_check_shared_is_ok_with_redis(redis_url: str) -> None:
    limiter = RateLimiter.from_settings(Settings(redis_url=redis_url))
    try:
        answer = await bounded(limiter.check_shared())
    finally:
        await close(limiter)

    assert answer == "ok"


async def test_check_shared_names_the_failure_on_a_closed_port() -> None:
    limiter = RateLimiter.from_settings(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        answer = await bounded(limiter.check_shared())
    finally:
        await close(limiter)

    assert answer == "error: no answer"


async def test_check_shared_gives_up_on_a_redis_that_never_answers(silent_port: int) -> None:
    limiter = RateLimiter(
        {}, is_enabled=True, shared=redis_storage(silent_port, timeout=30), timeout_seconds=0.2
    )
    try:
        answer = await bounded(limiter.check_shared())
    finally:
        await close(limiter)

    # limits' check() swallows every error (the timeout's cancellation too): no name is left.
    assert answer == "error: no answer"
