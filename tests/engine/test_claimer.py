"""A worker process's claim loops take turns (``engine/claimer.py``): a wake-up storm costs one
claim that finds nothing, not one per loop; a claim is repeated once work is announced or a poll
interval has passed."""

from __future__ import annotations

import asyncio

import pytest

from sellers_center.engine.claimer import Claimer
from sellers_center.engine.wakeup import Wakeup
from sellers_center.settings import Settings

POLL_SECONDS = 0.5


class Queue:
    """Claims that take what was put, recording each attempt."""

    def __init__(self) -> None:
        self.waiting: list[str] = []
        self.attempts = 0

    async def claim(self) -> str | None:
        self.attempts += 1
        await asyncio.sleep(0)  # another loop may ask meanwhile, as during a real claim
        return self.waiting.pop(0) if self.waiting else None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def claimer_of(queue: Queue, wakeup: Wakeup, clock: Clock) -> Claimer[str]:
    return Claimer(queue.claim, wakeup, POLL_SECONDS, monotonic=clock)


async def test_four_loops_woken_for_one_batch_claim_it_once_and_find_nothing_once() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    queue.waiting.append("batch")
    wakeup.notify()

    found = await asyncio.gather(*(claimer.next() for _ in range(4)))

    assert found == ["batch", None, None, None]  # the lock serves the loops in turn
    assert queue.attempts == 2


async def test_a_claim_is_repeated_once_work_is_announced() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    assert await claimer.next() is None
    queue.waiting.append("batch")

    unannounced = await claimer.next()
    wakeup.notify()
    announced = await claimer.next()

    assert (unannounced, announced, queue.attempts) == (None, "batch", 2)


async def test_a_claim_is_repeated_once_a_poll_interval_has_passed() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    assert await claimer.next() is None
    queue.waiting.append("from another process")

    clock.now += POLL_SECONDS - 0.01
    within = await claimer.next()
    clock.now += 0.01
    after = await claimer.next()

    assert (within, after, queue.attempts) == (None, "from another process", 2)


async def test_after_a_claim_that_found_work_the_next_one_claims_again() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    queue.waiting += ["first", "second"]

    found = [await claimer.next() for _ in range(4)]

    assert (found, queue.attempts) == (["first", "second", None, None], 3)


async def test_a_claim_that_failed_is_tried_again_at_the_next_turn() -> None:
    wakeup, clock = Wakeup(), Clock()
    calls = 0

    async def failing_once() -> str | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return None

    claimer = Claimer(failing_once, wakeup, POLL_SECONDS, monotonic=clock)
    with pytest.raises(ConnectionError):
        await claimer.next()

    assert await claimer.next() is None
    assert calls == 2


async def test_a_claim_made_elsewhere_that_found_nothing_counts_as_the_loops_own() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    generation = wakeup.generation  # read before the claim in a batch's transaction
    claimer.found_nothing(generation)
    queue.waiting.append("batch")

    unannounced = await claimer.next()
    wakeup.notify()
    announced = await claimer.next()

    assert (unannounced, announced, queue.attempts) == (None, "batch", 1)


async def test_work_announced_during_a_claim_made_elsewhere_is_claimed() -> None:
    queue, wakeup, clock = Queue(), Wakeup(), Clock()
    claimer = claimer_of(queue, wakeup, clock)
    generation = wakeup.generation
    queue.waiting.append("batch")
    wakeup.notify()  # committed after the other claim looked
    claimer.found_nothing(generation)

    assert (await claimer.next(), queue.attempts) == ("batch", 1)


@pytest.mark.parametrize(
    ("url", "configured", "loops"),
    [
        ("sqlite+aiosqlite:///var/x.db", None, 1),
        ("postgresql+asyncpg://postgres@localhost/x", None, 4),
        ("sqlite+aiosqlite:///var/x.db", 3, 3),
        ("postgresql+asyncpg://postgres@localhost/x", 2, 2),
    ],
)
def test_claim_loops_per_worker_process_default_by_database(
    url: str, configured: int | None, loops: int
) -> None:
    """On SQLite one: its writers take turns on one lock, and a second loop in the same process
    ran its CPU work inside the first one's turn."""
    settings = Settings(database_url=url, worker_concurrency=configured)

    assert settings.claim_loops == loops
