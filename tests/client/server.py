"""``sellers-center serve`` in a process group of its own for the SDK's end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2

from tests.e2e.server import (
    KEY_PATTERN,
    SCRIPT,
    STOP_TIMEOUT_SECONDS,
    environment,
    free_port,
    wait_until_healthy,
)

# Workers look for work often, so a batch is final a few milliseconds after it is accepted.
FAST_WORKER = {"SELLERS_CENTER_WORKER_POLL_SECONDS": "0.05"}


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    key: str
    """The demo seller's key, printed by the first start."""

    @property
    def key_id(self) -> str:
        return self.key.split("_")[1]


class StatusRecorder(httpx2.HTTPTransport):
    """The network transport, noting the status and ``Retry-After`` of every answer."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[int, str | None]] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        self.answers.append((response.status_code, response.headers.get("Retry-After")))
        return response


@contextlib.contextmanager
def serving(folder: Path, settings: dict[str, str]) -> Iterator[RunningServer]:
    """``serve`` on a free port with ``settings``; its whole process group is killed on exit,
    whatever happened."""
    port = free_port()
    env = environment(folder, {**FAST_WORKER, **settings})
    stdout_path, stderr_path = folder / "serve.stdout", folder / "serve.stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_healthy(process, base_url, lambda: stderr_path.read_text("utf-8"))
            key = stdout_path.read_text("utf-8").splitlines()[1]
            assert KEY_PATTERN.fullmatch(key), key
            yield RunningServer(base_url, key)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
