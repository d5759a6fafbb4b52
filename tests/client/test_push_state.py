"""The push's state file: a header written atomically, steps appended and read back, a line cut
short by a crash dropped, and a state that belongs to another file or kind refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sellers_center_client.push import PushError, PushPlan, PushState

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PLAN = PushPlan(
    file="items.jsonl", size=1234, sha256="ab" * 32, kind="products", items=250, chunk_size=100
)


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_new_state_holds_the_plan_alone(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl.push-state"

    state = PushState.open(path, PLAN)
    state.close()

    assert records(path) == [
        {
            "format": "sellers-center-push/1",
            "file": "items.jsonl",
            "size": 1234,
            "sha256": "ab" * 32,
            "kind": "products",
            "items": 250,
            "chunk_size": 100,
        }
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.jsonl.push-state"]
    assert (PLAN.chunk_count, state.chunks) == (3, {})


def test_recorded_steps_are_read_back(tmp_path: Path) -> None:
    path = tmp_path / "state"
    state = PushState.open(path, PLAN)
    state.record_key(0, "key-0", at=AT)
    state.record_batch(0, "batch-0")
    state.record_final(0, "completed", 98, 2)
    state.record_key(1, "key-1", at=AT)
    state.close()

    again = PushState.open(path, PLAN)
    again.close()

    assert [
        (i, c.key, c.batch_id, c.status, c.succeeded, c.failed) for i, c in again.chunks.items()
    ] == [
        (0, "key-0", "batch-0", "completed", 98, 2),
        (1, "key-1", None, None, 0, 0),
    ]
    assert records(path)[1:] == [
        {"chunk": 0, "key": "key-0", "at": AT.isoformat()},
        {"chunk": 0, "batch": "batch-0"},
        {"chunk": 0, "status": "completed", "succeeded": 98, "failed": 2},
        {"chunk": 1, "key": "key-1", "at": AT.isoformat()},
    ]


def test_a_line_cut_short_by_a_crash_is_dropped_and_the_next_step_follows(tmp_path: Path) -> None:
    path = tmp_path / "state"
    state = PushState.open(path, PLAN)
    state.record_key(0, "key-0", at=AT)
    state.close()
    with path.open("a") as file:
        file.write('{"chunk":0,"ba')

    again = PushState.open(path, PLAN)
    again.record_batch(0, "batch-0")
    again.close()

    assert records(path)[1:] == [
        {"chunk": 0, "key": "key-0", "at": AT.isoformat()},
        {"chunk": 0, "batch": "batch-0"},
    ]


def test_the_same_file_named_from_elsewhere_keeps_its_state(tmp_path: Path) -> None:
    path = tmp_path / "state"
    PushState.open(path, PLAN).close()
    moved = PushPlan("/elsewhere/items.jsonl", 1234, "ab" * 32, "products", 250, 100)

    PushState.open(path, moved).close()


@pytest.mark.parametrize(
    ("plan", "reason"),
    [
        (
            PushPlan("items.jsonl", 1235, "cd" * 32, "products", 251, 100),
            "the file changed since {path} was written",
        ),
        (
            PushPlan("items.jsonl", 1234, "ab" * 32, "stocks", 250, 1000),
            "{path} was written for --kind products in chunks of 100",
        ),
    ],
)
def test_a_state_of_another_file_or_kind_is_refused(
    tmp_path: Path, plan: PushPlan, reason: str
) -> None:
    path = tmp_path / "state"
    PushState.open(path, PLAN).close()
    before = path.read_bytes()

    with pytest.raises(PushError) as raised:
        PushState.open(path, plan)

    assert str(raised.value) == (
        reason.format(path=path) + "; remove it to push the file as a new push"
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "{path} is not a push state file (it is empty)"),
        ('{"format": "other"}\n', "{path} is not a push state file of this version"),
        ("not json\n", "{path}, line 1: not a record of a push state file"),
    ],
)
def test_a_file_that_is_no_state_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "state"
    path.write_text(content)

    with pytest.raises(PushError) as raised:
        PushState.open(path, PLAN)

    assert str(raised.value) == message.format(path=path)


def test_a_step_of_a_chunk_the_push_does_not_have_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state"
    PushState.open(path, PLAN).close()
    with path.open("a") as file:
        file.write('{"chunk": 3, "key": "k"}\n')

    with pytest.raises(PushError) as raised:
        PushState.open(path, PLAN)

    assert str(raised.value) == (
        f"{path} records a chunk this push does not have: {{'chunk': 3, 'key': 'k'}}"
    )


def test_a_second_run_of_the_same_push_is_refused_while_the_first_holds_the_state(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state"
    first = PushState.open(path, PLAN)
    first.record_key(0, "key-0", at=AT)

    with pytest.raises(PushError) as refused:
        PushState.open(path, PLAN)
    first.record_batch(0, "batch-0")
    first.close()
    after = PushState.open(path, PLAN)
    after.close()

    assert str(refused.value) == (
        f"another push of this file is running (it holds {path}): let it finish, or stop it "
        f"and run the command again"
    )
    assert (after.chunks[0].key, after.chunks[0].batch_id) == ("key-0", "batch-0")
    assert records(path)[1:] == [
        {"chunk": 0, "key": "key-0", "at": AT.isoformat()},
        {"chunk": 0, "batch": "batch-0"},
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]


def test_when_each_key_was_recorded_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "state"
    state = PushState.open(path, PLAN)
    state.record_key(0, "key-0", at=AT)
    state.close()
    with path.open("a") as file:  # as a state file written before keys' times were recorded
        file.write('{"chunk":1,"key":"key-1"}\n')

    again = PushState.open(path, PLAN)
    again.close()

    assert [(c.key, c.key_at) for c in again.chunks.values()] == [("key-0", AT), ("key-1", None)]


def test_a_key_recorded_at_a_time_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state"
    PushState.open(path, PLAN).close()
    with path.open("a") as file:
        file.write('{"chunk":0,"key":"key-0","at":"2026-01-02T03:04:05"}\n')

    with pytest.raises(PushError) as refused:
        PushState.open(path, PLAN)

    assert str(refused.value) == (
        f"{path} records a key at a time that is not one: '2026-01-02T03:04:05'"
    )
