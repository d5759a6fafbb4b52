"""``sellers-center serve`` as a real process for the end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sellers_center.settings import ENV_PREFIX
from tests.command_line import Outcome, run_command
from tests.support import kill_process_group

SCRIPT = Path(sys.executable).with_name("sellers-center")
# Bounds, not expectations: a start migrates and loads the catalogue (~3 s here).
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15
COMMAND_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 5
POLL_INTERVAL_SECONDS = 0.1
KEY_PATTERN = re.compile(r"sc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
FIRST_START_BANNER = "Created seller 'demo'. Its API key, shown only this once:"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    folder: Path
    env: dict[str, str]
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def demo_key(self) -> str:
        """The key a first start prints under its banner."""
        lines = self.stdout().splitlines()
        assert lines[:1] == [FIRST_START_BANNER], self.stdout()
        key = lines[1]
        assert KEY_PATTERN.fullmatch(key), key
        return key

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"X-API-Key": key}, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def command(self, *arguments: str) -> Outcome:
        """A ``sellers-center`` command beside the server (same database, cwd and settings),
        in-process: what it does is under test, not how a process starts."""
        settings = {name: value for name, value in self.env.items() if name.startswith(ENV_PREFIX)}
        url = settings.pop("SELLERS_CENTER_DATABASE_URL")
        return run_command(url, *arguments, folder=self.folder, env=settings)

    def stop(self) -> int | None:
        """SIGTERM, then the exit status, or None when it did not stop in time."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return None


def environment(folder: Path, settings: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the database in ``folder`` and ``settings`` added."""
    env = {name: value for name, value in os.environ.items() if name != "FORCE_COLOR"}
    env.update(
        SELLERS_CENTER_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'db.sqlite'}",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    env.update(settings or {})
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(
    process: subprocess.Popen[bytes], base_url: str, output: Callable[[], str]
) -> None:
    """Wait until ``base_url`` answers /healthz; fail with ``output()`` if the process exits."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{output()}")
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(f"{base_url}/healthz", timeout=REQUEST_TIMEOUT_SECONDS)
            if response.status_code == 200:
                return
        time.sleep(POLL_INTERVAL_SECONDS)
    pytest.fail(f"serve did not answer /healthz in {START_TIMEOUT_SECONDS} s:\n{output()}")


@contextlib.contextmanager
def running_server(
    folder: Path, name: str = "serve", settings: dict[str, str] | None = None
) -> Iterator[Server]:
    """``serve`` (with its worker process) on a free port, healthy on entry, gone on exit."""
    port = free_port()
    env = environment(folder, settings)
    stdout_path, stderr_path = folder / f"{name}.stdout", folder / f"{name}.stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group, killed whole at the end
        )
        try:
            server = Server(
                process, f"http://127.0.0.1:{port}", folder, env, stdout_path, stderr_path
            )
            wait_until_healthy(process, server.base_url, server.stderr)
            yield server
        finally:
            kill_process_group(process, STOP_TIMEOUT_SECONDS)
