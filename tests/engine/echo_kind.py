"""A batch kind that exists only in the tests: it echoes values and records each application.

``process`` writes one row per item into ``test_echo_effects`` (a table the tests create), so a
test can count how often a batch was applied, and in which order (``id``). ``position`` is the
item's place among the items ``process`` was given: the whole batch, or a part of it while the
engine isolates an item at fault. Item values steer it: ``bad`` is an item error, ``explode``
raises (the kind's code failing on one item), ``refused`` writes a row the database refuses (a
NOT NULL column left empty), ``unavailable`` raises what a lost database connection raises, and
``sleep`` pauses, for the crash test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.engine.kind import BatchContext, BatchKind, Endpoint, ItemOutcome

EFFECTS = Table(
    "test_echo_effects",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(36), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", String(40), nullable=False),
)


class EchoItem(BaseModel):
    value: str = Field(max_length=40)
    sleep: float = Field(default=0, ge=0, le=10)


class EchoRequest(BaseModel):
    items: list[EchoItem] = Field(min_length=1, max_length=5)


class EchoResultItem(BaseModel):
    requestItem: EchoItem  # noqa: N815
    success: bool
    errors: list[str]


class EchoResults(BaseModel):
    batchRequestId: str  # noqa: N815
    status: str
    items: list[EchoResultItem]


async def process(
    session: AsyncSession, context: BatchContext, items: Sequence[EchoItem]
) -> list[ItemOutcome]:
    outcomes = []
    for position, item in enumerate(items):
        if item.value == "explode":
            raise RuntimeError("the echo kind was told to explode")
        if item.value == "unavailable":
            # What SQLAlchemy raises when the connection drops mid-statement: the statement and
            # its parameters, internal ids included, travel with it.
            statement = "INSERT INTO test_echo_effects (batch_id, value) VALUES (?, ?)"
            parameters = (str(context.batch_id), f"seller {context.seller_id}")
            raise OperationalError(statement, parameters, ConnectionResetError("reset by peer"))
        if item.sleep:
            await asyncio.sleep(item.sleep)
        if item.value == "bad":
            outcomes.append(ItemOutcome((f"Value {item.value!r} is refused",)))
            continue
        value = None if item.value == "refused" else item.value
        row = {"batch_id": str(context.batch_id), "position": position, "value": value}
        await session.execute(insert(EFFECTS).values(**row))
        outcomes.append(ItemOutcome())
    return outcomes


def build_echo_kind() -> BatchKind:
    return BatchKind(
        name="echo",
        request_model=EchoRequest,
        results_model=EchoResults,
        process=process,
        submit=Endpoint("POST", "/api/v1/echo/", "Submit echoes", "submit_echo", rate_limit=200),
        results=Endpoint(
            "GET", "/api/v1/results/echo", "Echo results", "echo_results", rate_limit=200
        ),
    )
