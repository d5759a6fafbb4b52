"""``sellers-center push`` as a real process against a real ``serve``: the demo sample's 5,000
products pushed, the push killed with SIGKILL halfway, run again, and the end state exact: one
batch per chunk (nothing sent twice), every item final, the error CSV holding exactly the items
that break a rule."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from examples import demo_sample

from sellers_center_client.push import API_KEY_VARIABLE, BASE_URL_VARIABLE
from tests.e2e.server import SCRIPT, Server, running_server
from tests.support import kill_process_group

pytestmark = pytest.mark.slow

CHUNKS = 50  # 5,000 products in batches of 100
KILL_AFTER_BATCHES = 20
# Bounds, not expectations: the whole push takes about 10 s here.
PUSH_TIMEOUT_SECONDS = 180
STATE_POLL_SECONDS = 0.005
SOME_ITEMS_FAILED = 3
PUSH_OPTIONS = ("--kind", "products", "--wait")


def accepted_chunks(state: Path) -> set[int]:
    """The chunks the state file records a batch for (a line still being written is skipped)."""
    if not state.exists():
        return set()
    chunks = set()
    for line in state.read_text().splitlines()[1:]:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "batch" in record:
            chunks.add(record["chunk"])
    return chunks


def push_process(server: Server, sample: Path, errors: Path, log: str) -> subprocess.Popen[bytes]:
    env = {
        **server.env,
        BASE_URL_VARIABLE: server.base_url,
        API_KEY_VARIABLE: server.demo_key(),
        "COLUMNS": "200",
    }
    folder = sample.parent
    with (folder / f"{log}.stdout").open("wb") as out, (folder / f"{log}.stderr").open("wb") as err:
        return subprocess.Popen(
            [str(SCRIPT), "push", str(sample), *PUSH_OPTIONS, "--errors-out", str(errors)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, killed whole
        )


def kill_halfway(process: subprocess.Popen[bytes], state: Path) -> set[int]:
    """SIGKILL the push once the state file records KILL_AFTER_BATCHES accepted chunks."""
    deadline = time.monotonic() + PUSH_TIMEOUT_SECONDS
    while len(accepted_chunks(state)) < KILL_AFTER_BATCHES:
        assert process.poll() is None, "the push ended before it was killed"
        assert time.monotonic() < deadline, "the push accepted too few chunks in time"
        time.sleep(STATE_POLL_SECONDS)
    kill_process_group(process, PUSH_TIMEOUT_SECONDS)
    return accepted_chunks(state)


def listed_batches(server: Server) -> list[dict[str, object]]:
    batches: list[dict[str, object]] = []
    with server.client(server.demo_key()) as client:
        cursor = None
        while True:
            params = {"per_page": 100, **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/batches", params=params).json()
            batches += page["items"]
            cursor = page["pagination"]["next_cursor"]
            if cursor is None:
                return batches


def test_a_push_killed_halfway_and_run_again_sends_each_chunk_once(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    sample = work / "demo-5000.jsonl"
    shutil.copyfile(demo_sample.SAMPLE, sample)
    state, errors = work / "demo-5000.jsonl.push-state", work / "errors.csv"

    with running_server(tmp_path) as server:
        first = push_process(server, sample, errors, "first")
        try:
            accepted_when_killed = kill_halfway(first, state)
        finally:
            kill_process_group(first, PUSH_TIMEOUT_SECONDS)
        had_errors_file = errors.exists()
        second = push_process(server, sample, errors, "second")
        try:
            second.wait(timeout=PUSH_TIMEOUT_SECONDS)
        finally:
            kill_process_group(second, PUSH_TIMEOUT_SECONDS)
        batches = listed_batches(server)

    assert first.returncode == -signal.SIGKILL
    assert KILL_AFTER_BATCHES <= len(accepted_when_killed) < CHUNKS
    assert not had_errors_file  # written once every batch is final, never half
    assert second.returncode == SOME_ITEMS_FAILED, (work / "second.stderr").read_text()
    records = [json.loads(line) for line in state.read_text().splitlines()[1:]]
    recorded_batches = {r["chunk"]: r["batch"] for r in records if "batch" in r}
    assert sorted(recorded_batches) == list(range(CHUNKS))
    assert sorted(r["chunk"] for r in records if "key" in r) == list(range(CHUNKS))
    assert len(batches) == CHUNKS  # one per chunk: nothing was sent twice
    assert {b["batchRequestId"] for b in batches} == set(recorded_batches.values())
    assert {(b["kind"], b["status"], b["item_count"]) for b in batches} == {
        ("products", "completed", 100)
    }
    assert sum(int(str(b["failed"])) for b in batches) == len(demo_sample.FLAWED)
    with errors.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(row["reference"] for row in rows) == sorted(demo_sample.FLAWED)
    assert all(row["errors"] for row in rows)
    by_sku = {
        item["sku"]: item for item in demo_sample.items() if item["sku"] in demo_sample.FLAWED
    }
    assert {row["reference"]: json.loads(row["request_item"]) for row in rows} == by_sku
    summary = (work / "second.stdout").read_text().splitlines()[0]
    assert summary == (
        "demo-5000.jsonl: 5,000 items in 50 batches, all final: 4,993 applied, 7 not applied"
    )
