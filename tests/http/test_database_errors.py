"""How a request that fails in the database is answered: 503 + Retry-After when the database
is unavailable (down, restarting, overloaded), 500 with a plain message for anything else."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.requests import Request

from sellers_center.http.errors import DATABASE_UNAVAILABLE, _database_error


class DriverError(Exception):
    """What asyncpg's errors look like through SQLAlchemy's adapter: they carry a SQLSTATE."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


def request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (OperationalError("SELECT 1", {}, DriverError(None)), "the driver lost the server"),
        (DBAPIError("SELECT 1", {}, DriverError("57P03")), "shutting down or starting up"),
        (DBAPIError("SELECT 1", {}, DriverError("57P01")), "terminated by an administrator"),
        (DBAPIError("SELECT 1", {}, DriverError("57014")), "statement timeout"),
        (DBAPIError("SELECT 1", {}, DriverError("08006")), "connection failure"),
        (DBAPIError("SELECT 1", {}, DriverError(None), connection_invalidated=True), "lost"),
    ],
)
async def test_an_unavailable_database_answers_503_with_retry_after(
    error: Exception, why: str
) -> None:
    response = await _database_error(request(), error)

    assert response.status_code == 503, why
    assert json.loads(bytes(response.body)) == {"message": DATABASE_UNAVAILABLE}
    assert response.headers["retry-after"] == "2"


async def driver_connection_error() -> OSError:
    """What asyncpg raises when nothing listens on the database's port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        await asyncpg.connect(host="127.0.0.1", port=port, user="nobody", timeout=5)
    except OSError as error:
        return error
    raise AssertionError("a closed port accepted a connection")


async def test_a_connection_the_driver_could_not_open_answers_503() -> None:
    response = await _database_error(request(), await driver_connection_error())

    assert response.status_code == 503
    assert json.loads(bytes(response.body)) == {"message": DATABASE_UNAVAILABLE}


def missing_file_error() -> OSError:
    try:
        Path("/nonexistent/sellers-center").read_text()
    except OSError as error:
        return error
    raise AssertionError("the file exists")


async def test_an_os_error_from_elsewhere_is_not_blamed_on_the_database() -> None:
    response = await _database_error(request(), missing_file_error())

    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {"message": "Internal server error"}


async def test_any_other_database_error_answers_500_without_details() -> None:
    error = IntegrityError("INSERT ...", {}, DriverError("23505"))

    response = await _database_error(request(), error)

    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {"message": "Internal server error"}
    assert "retry-after" not in response.headers
