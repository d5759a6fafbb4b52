"""Units of work: nested writes reuse their transaction in a savepoint, a write inside a read is
refused, the callable form commits or rolls back, and only the task that opened a session reuses
it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.db import UnitOfWork
from sellers_center.db.tables import CatalogState
from sellers_center.db.unit import WriteInReadError
from sellers_center.runtime import Runtime
from tests.support import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

# A bound, not an expectation: a nested write that waited for the outer one's lock would hang.
DEADLOCK_BOUND_SECONDS = 10


async def version(session: AsyncSession) -> int:
    found: int = (await session.execute(select(CatalogState.version))).scalar_one()
    return found


async def stored_version(unit: UnitOfWork) -> int:
    async with unit.read() as session:
        return await version(session)


async def bump(session: AsyncSession) -> int:
    await session.execute(update(CatalogState).values(version=CatalogState.version + 1))
    return await version(session)


async def test_a_write_inside_a_write_reuses_its_session_and_commits_with_it(
    runtime: Runtime,
) -> None:
    unit = runtime.unit
    before = await stored_version(unit)

    async with asyncio.timeout(DEADLOCK_BOUND_SECONDS):
        async with unit.write() as outer:
            async with unit.write() as inner, unit.read() as reading:
                assert inner is outer
                assert reading is outer
                await bump(inner)
            assert await version(outer) == before + 1

    assert await stored_version(unit) == before + 1


async def test_an_error_in_a_nested_write_rolls_back_the_whole_transaction(
    runtime: Runtime,
) -> None:
    unit = runtime.unit
    before = await stored_version(unit)

    async def bump_twice_then_fail(outer: AsyncSession) -> None:
        await bump(outer)
        async with unit.write() as inner:
            await bump(inner)
            raise LookupError

    with pytest.raises(LookupError):
        await unit.write(bump_twice_then_fail)

    assert await stored_version(unit) == before


async def test_a_nested_write_that_raises_is_undone_when_the_outer_one_carries_on(
    runtime: Runtime,
) -> None:
    """A nested write is a savepoint: all or nothing, like any write."""
    unit = runtime.unit
    before = await stored_version(unit)

    async def bump_then_fail(session: AsyncSession) -> None:
        await bump(session)
        raise LookupError

    async with unit.write() as outer:
        await bump(outer)
        with pytest.raises(LookupError):
            await unit.write(bump_then_fail)
        assert await version(outer) == before + 1
        async with unit.write() as kept:
            await bump(kept)

    assert await stored_version(unit) == before + 2


async def test_a_write_inside_a_read_is_refused_and_changes_nothing(runtime: Runtime) -> None:
    unit = runtime.unit
    before = await stored_version(unit)

    async with unit.read() as session:
        assert await version(session) == before
        with pytest.raises(WriteInReadError, match="inside a read-only one"):
            async with unit.write() as writing:
                await bump(writing)

    assert await stored_version(unit) == before


async def test_the_callable_form_returns_what_its_work_returns_and_commits(
    runtime: Runtime,
) -> None:
    unit = runtime.unit
    before = await stored_version(unit)

    assert await unit.write(bump) == before + 1
    assert await stored_version(unit) == before + 1


async def test_the_callable_form_rolls_back_when_its_work_raises(runtime: Runtime) -> None:
    unit = runtime.unit
    before = await stored_version(unit)

    async def bump_then_fail(session: AsyncSession) -> None:
        await bump(session)
        raise LookupError

    with pytest.raises(LookupError):
        await unit.write(bump_then_fail)
    assert await stored_version(unit) == before


async def test_a_task_started_inside_a_unit_opens_a_session_of_its_own(runtime: Runtime) -> None:
    unit = runtime.unit

    async def session_of_a_task() -> AsyncSession:
        async with unit.read() as session:
            await version(session)
            return session

    async with unit.read() as outer:
        await version(outer)
        inner = await asyncio.create_task(session_of_a_task())

    assert inner is not outer


async def test_units_over_two_databases_do_not_share_sessions(runtime: Runtime) -> None:
    other = Runtime.from_settings(runtime.settings)
    try:
        async with runtime.unit.write() as session, other.unit.read() as reading:
            assert reading is not session
    finally:
        await other.database.dispose()
