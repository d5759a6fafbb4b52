"""The state file of a push: what was sent, so a push stopped at any point resumes without
sending anything twice.

It is a journal of JSON lines. The first line describes the push (the file's size and SHA-256,
the kind, the items and the chunk size), written to a temporary file, fsynced and linked into
place. Each later line records one step of one chunk and is fsynced before the push goes on:

- ``{"chunk": 3, "key": "...", "at": "2026-01-02T03:04:05+00:00"}`` before chunk 3 is submitted
  with that idempotency key (the service keeps a key for 24 hours: a chunk whose answer was lost
  is sent again only within them, ``_runner.py``);
- ``{"chunk": 3, "batch": "..."}`` once the service answered with the batch's id;
- ``{"chunk": 3, "status": "completed", "succeeded": 98, "failed": 2}`` once it is final.

A chunk with a key but no batch was perhaps accepted, its answer lost: it is sent again with the
same key, and the service answers with the same batch. Appending keeps each step's cost constant
however large the file (rewriting a whole state per step would grow with it); a line cut short
by a crash is dropped when the file is read back.

A push holds an exclusive lock (``flock``) on its state file while it runs: two runs of the same
push would each find a chunk without a key and send it with a key of their own, so the service
would store it twice. A second run is refused at once instead of waiting.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sellers_center_client.push._errors import PushError

FORMAT = "sellers-center-push/1"


@dataclass(frozen=True, slots=True)
class PushPlan:
    """What a state file belongs to: this file's content, pushed as this kind in these chunks."""

    file: str
    size: int
    sha256: str
    kind: str
    items: int
    chunk_size: int

    @property
    def chunk_count(self) -> int:
        return -(-self.items // self.chunk_size)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **{name: getattr(self, name) for name in self.__slots__}}


@dataclass(slots=True)
class ChunkState:
    key: str | None = None
    key_at: datetime | None = None
    """When the key was recorded; None in a state file written before keys' times were."""
    batch_id: str | None = None
    status: str | None = None
    succeeded: int = 0
    failed: int = 0

    @property
    def is_final(self) -> bool:
        return self.status is not None


class PushState:
    """A state file opened for appending; ``chunks`` is what it holds so far."""

    def __init__(self, path: Path, plan: PushPlan, journal: IO[str]) -> None:
        self.path = path
        self.plan = plan
        self.chunks: dict[int, ChunkState] = {}
        self._journal = journal

    @classmethod
    def open(cls, path: Path, plan: PushPlan) -> PushState:
        """The state of ``plan`` at ``path``: read back when it exists (refused when it was
        written for another file, kind or chunk size), created empty otherwise."""
        if not path.exists():
            _create(path, plan)
        journal = path.open("r+", encoding="utf-8")
        try:
            _lock(path, journal)
            state = cls(path, plan, journal)
            state._read_back()
        except BaseException:
            journal.close()
            raise
        return state

    def chunk(self, index: int) -> ChunkState:
        return self.chunks.setdefault(index, ChunkState())

    def record_key(self, index: int, key: str, *, at: datetime) -> None:
        self._append({"chunk": index, "key": key, "at": at.isoformat()})
        chunk = self.chunk(index)
        chunk.key, chunk.key_at = key, at

    def record_batch(self, index: int, batch_id: str) -> None:
        self._append({"chunk": index, "batch": batch_id})
        self.chunk(index).batch_id = batch_id

    def record_final(self, index: int, status: str, succeeded: int, failed: int) -> None:
        self._append({"chunk": index, "status": status, "succeeded": succeeded, "failed": failed})
        chunk = self.chunk(index)
        chunk.status, chunk.succeeded, chunk.failed = status, succeeded, failed

    def close(self) -> None:
        self._journal.close()

    def _append(self, record: dict[str, Any]) -> None:
        self._journal.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def _read_back(self) -> None:
        lines = self._journal.read().split("\n")
        complete, torn = lines[:-1], lines[-1]  # text after the last newline was cut short
        if not complete:
            raise PushError(f"{self.path} is not a push state file (it is empty)")
        self._check_plan(_parse(self.path, 1, complete[0]))
        for number, line in enumerate(complete[1:], start=2):
            self._apply(_parse(self.path, number, line))
        if torn:
            self._journal.truncate(sum(len(line.encode("utf-8")) + 1 for line in complete))
            self._journal.seek(0, os.SEEK_END)

    def _check_plan(self, header: dict[str, Any]) -> None:
        if header.get("format") != FORMAT:
            raise PushError(f"{self.path} is not a push state file of this version")
        # The file may have moved or be named from another folder: its content is what counts.
        theirs = {key: value for key, value in header.items() if key not in ("format", "file")}
        ours = {
            key: value
            for key, value in self.plan.to_json().items()
            if key not in ("format", "file")
        }
        if theirs == ours:
            return
        if (theirs.get("size"), theirs.get("sha256")) != (self.plan.size, self.plan.sha256):
            reason = f"the file changed since {self.path} was written"
        else:
            reason = (
                f"{self.path} was written for --kind {theirs.get('kind')} in chunks of "
                f"{theirs.get('chunk_size')}"
            )
        raise PushError(f"{reason}; remove it to push the file as a new push")

    def _apply(self, record: dict[str, Any]) -> None:
        index = record.get("chunk")
        if not isinstance(index, int) or not 0 <= index < self.plan.chunk_count:
            raise PushError(f"{self.path} records a chunk this push does not have: {record}")
        chunk = self.chunk(index)
        if "key" in record:
            chunk.key = str(record["key"])
            chunk.key_at = _moment(self.path, record.get("at"))
        elif "batch" in record:
            chunk.batch_id = str(record["batch"])
        elif "status" in record:
            chunk.status = str(record["status"])
            chunk.succeeded, chunk.failed = int(record["succeeded"]), int(record["failed"])


def _moment(path: Path, text: object) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PushError(f"{path} records a key at a time that is not one: {text!r}")
    return moment


def _parse(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        record = None
    if not isinstance(record, dict):
        raise PushError(f"{path}, line {number}: not a record of a push state file")
    return record


def _lock(path: Path, journal: IO[str]) -> None:
    try:
        fcntl.flock(journal.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise PushError(
            f"another push of this file is running (it holds {path}): let it finish, or stop "
            f"it and run the command again"
        ) from None


def _create(path: Path, plan: PushPlan) -> None:
    """Write the header atomically: a crash leaves either no state file or a whole header. The
    header is linked into place, never renamed over one, so that a push starting at the same
    moment keeps the file it locked (whichever created it first, both then lock the same one)."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(json.dumps(plan.to_json(), separators=(",", ":")) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another push of the file created it first
            os.link(temporary, path)
    finally:
        temporary.unlink()
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the link itself survives a power cut
    finally:
        os.close(folder)
