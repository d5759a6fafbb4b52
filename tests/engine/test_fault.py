"""Which errors are infrastructure trouble (retried) and which point at the items (isolated)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from sellers_center.db import Database
from sellers_center.engine.fault import (
    KindNotServedError,
    LeaseLostError,
    describe,
    is_infrastructure,
)


class DriverError(Exception):
    """A driver's error as SQLAlchemy wraps it: PostgreSQL's SQLSTATE, when there is one."""

    def __init__(self, sqlstate: str | None = None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def wrapped(kind: type[DBAPIError], sqlstate: str | None = None) -> DBAPIError:
    return kind("SELECT 1", {"seller_id": 7}, DriverError(sqlstate))


def refused_value() -> InterfaceError:
    """What asyncpg's refusal to send a value (its DataError, a ValueError) becomes."""
    orig = DriverError()
    orig.__cause__ = ValueError("value out of int32 range")
    return InterfaceError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(OperationalError("x", {}, ConnectionResetError()), True, id="reset"),
        pytest.param(ConnectionRefusedError(), True, id="refused-connection"),
        pytest.param(TimeoutError(), True, id="driver-timeout"),
        pytest.param(PoolTimeoutError(), True, id="pool-timeout"),
        pytest.param(LeaseLostError(), True, id="lease-lost"),
        pytest.param(KindNotServedError(), True, id="kind-not-served"),
        pytest.param(wrapped(DBAPIError, "57014"), True, id="statement-timeout"),
        pytest.param(wrapped(DBAPIError, "57P01"), True, id="server-shutting-down"),
        pytest.param(wrapped(DBAPIError, "08006"), True, id="connection-failure"),
        pytest.param(wrapped(DBAPIError, "40P01"), True, id="deadlock"),
        pytest.param(wrapped(DBAPIError, "40001"), True, id="serialization-failure"),
        pytest.param(wrapped(DBAPIError, "53300"), True, id="too-many-connections"),
        pytest.param(wrapped(DBAPIError, "55P03"), True, id="lock-not-available"),
        pytest.param(wrapped(OperationalError), True, id="sqlite-locked"),
        pytest.param(wrapped(InterfaceError), True, id="connection-closed"),
        pytest.param(wrapped(IntegrityError, "23505"), False, id="unique-violation"),
        pytest.param(wrapped(IntegrityError), False, id="sqlite-not-null"),
        pytest.param(wrapped(DBAPIError, "22021"), False, id="nul-byte-in-text"),
        pytest.param(wrapped(DBAPIError, "22003"), False, id="numeric-out-of-range"),
        pytest.param(refused_value(), False, id="value-the-driver-cannot-send"),
        pytest.param(RuntimeError("a kind's bug"), False, id="kind-bug"),
        pytest.param(OverflowError(), False, id="overflow"),
    ],
)
def test_infrastructure_trouble_is_told_from_items_at_fault(
    error: BaseException, expected: bool
) -> None:
    assert is_infrastructure(error) is expected


def test_a_described_error_keeps_its_first_line_only() -> None:
    error = wrapped(IntegrityError, "23505")

    assert describe(error) == "IntegrityError: (tests.engine.test_fault.DriverError) driver error"
    assert "seller_id" in str(error)  # the parameters are in the exception, not in its description


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_statement_postgresql_cancels_is_infrastructure(database_url: str) -> None:
    async def cancelled() -> BaseException:
        database = Database(database_url, statement_timeout_seconds=0.05)
        try:
            async with database.read_session() as session:
                await session.execute(text("SELECT pg_sleep(1)"))
        except DBAPIError as error:
            return error
        finally:
            await database.dispose()
        raise AssertionError("the statement was not cancelled")

    assert is_infrastructure(asyncio.run(cancelled())) is True


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_text_postgresql_cannot_store_points_at_the_item(database_url: str) -> None:
    async def refused() -> BaseException:
        database = Database(database_url)
        try:
            async with database.read_session() as session:
                await session.execute(text("SELECT CAST(:value AS text)"), {"value": "A\x00B"})
        except DBAPIError as error:
            return error
        finally:
            await database.dispose()
        raise AssertionError("PostgreSQL stored a NUL character")

    error = asyncio.run(refused())

    assert getattr(getattr(error, "orig", None), "sqlstate", None) == "22021"
    assert is_infrastructure(error) is False
