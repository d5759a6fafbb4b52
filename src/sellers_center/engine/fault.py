"""What a failed attempt means: infrastructure trouble, retried and then ``failed``, or an item
at fault, which only that item pays for (docs/api.md#batches: one bad item never sinks the batch).

A seller reads a batch's outcome, so what a failure tells the seller is kept apart from what it
tells an operator: item errors carry plain words only, the exception goes to the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# SQLSTATE classes that say "not now" rather than "wrong": 08 connection exception,
# 40 transaction rollback (serialization failure, deadlock), 53 insufficient resources,
# 57 operator intervention (shutdown, statement timeout), 58 system error, XX internal error.
TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58", "XX")
# 55P03 lock_not_available: a lock wait gave up; the row is free again later.
TRANSIENT_SQLSTATES = frozenset({"55P03"})
# What a seller reads when infrastructure trouble outlasted the retries.
TEMPORARY_PROBLEM = "a temporary problem on our side"
# ``batches.last_error`` keeps one line of the exception; the whole of it is in the log.
DETAIL_LENGTH = 300


class InfrastructureError(Exception):
    """Trouble of the service itself, never of an item: the attempt is retried."""


class LeaseLostError(InfrastructureError):
    """Another worker owns the batch now; this worker's work on it is void."""


class KindNotServedError(InfrastructureError):
    """This worker does not serve the batch's kind; a worker of another release may."""


class EveryItemFailedError(InfrastructureError):
    """Each item of a batch of several failed on its own, with the same error: the service is
    at fault (a kind's code failing whatever the item, the database refusing every row), not
    the items, so the batch is retried like any infrastructure trouble instead of every item
    getting an error."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"every item failed on its own with {describe(error)}")


@dataclass(frozen=True, slots=True)
class AttemptFailure:
    """Why an attempt failed: ``reason`` in plain words for the seller (it ends up in the
    item errors of a batch that runs out of attempts), ``detail`` for operators
    (``batches.last_error``), ``metric`` as the retries metric labels it."""

    reason: str
    detail: str
    metric: str

    @classmethod
    def plain(cls, reason: str, metric: str) -> AttemptFailure:
        """A failure whose reason is already fit for the seller (time budget, lost worker)."""
        return cls(reason, reason, metric)

    @classmethod
    def of(cls, error: BaseException) -> AttemptFailure:
        return cls(TEMPORARY_PROBLEM, describe(error), "error")


def describe(error: BaseException) -> str:
    """The exception's type and first line: a driver error's SQL and parameters follow on
    later lines and stay in the log."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(error).__name__}: {first}"[:DETAIL_LENGTH]


def is_infrastructure(error: BaseException) -> bool:
    """True when a later attempt may well succeed: the database unreachable, restarting,
    overloaded, a statement cancelled, a deadlock lost, the lease gone. False when the items
    themselves are the likely cause: a value or a constraint the database refuses, or a
    kind's code failing on what an item holds."""
    if isinstance(error, InfrastructureError | OSError | TimeoutError):
        return True
    if isinstance(error, PoolTimeoutError | PendingRollbackError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    if sqlstate:
        return sqlstate.startswith(TRANSIENT_SQLSTATE_CLASSES) or sqlstate in TRANSIENT_SQLSTATES
    # Raised by the driver itself. SQLite's OperationalError is a busy, full or unreadable
    # database; an InterfaceError is a broken connection, unless the driver refused to send
    # a value (asyncpg's DataError, a ValueError).
    if isinstance(error, OperationalError):
        return True
    if isinstance(error, InterfaceError):
        return not isinstance(getattr(error.orig, "__cause__", None), ValueError)
    return False
