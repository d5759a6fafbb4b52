"""How a request that fails in the database is answered: 503 + Retry-After when the database
is unavailable (down, restarting, overloaded), 500 with a plain message for anything else."""

from __future__ import annotations

import json

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
        (ConnectionRefusedError(111, "Connection refused"), "nothing listens"),
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


async def test_any_other_database_error_answers_500_without_details() -> None:
    error = IntegrityError("INSERT ...", {}, DriverError("23505"))

    response = await _database_error(request(), error)

    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {"message": "Internal server error"}
    assert "retry-after" not in response.headers
