"""Real processes of the production profile (PostgreSQL + Redis) for the tests in this folder.

``Cluster`` starts ``sellers-center serve`` API processes and ``sellers-center worker`` processes
against one PostgreSQL database and Redis, each with its own log file and in its own process
group, and kills every group at the end, pass or fail. Settings are passed as
``SELLERS_CENTER_*`` variables, as an operator would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.server import STOP_TIMEOUT_SECONDS, free_port, wait_until_healthy
from tests.support import kill_process_group

SCRIPT = Path(sys.executable).with_name("sellers-center")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    base_url: str | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to this process alone: no chance to clean up, like a machine losing power
        (what becomes of its children is the test's to check; ``Cluster`` kills them at the end)."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)

    def terminate(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM, then the exit status, or None when it did not stop in time."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


@dataclass
class Cluster:
    """API and worker processes sharing ``database_url`` and ``redis_url``."""

    folder: Path
    database_url: str
    redis_url: str | None
    settings: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name != "FORCE_COLOR"}
        env.update(
            SELLERS_CENTER_DATABASE_URL=self.database_url,
            SELLERS_CENTER_LOG_FORMAT="json",
            PYTHONUNBUFFERED="1",
            NO_COLOR="1",
        )
        if self.redis_url is not None:
            env["SELLERS_CENTER_REDIS_URL"] = self.redis_url
        env.update(self.settings)
        env.update(extra or {})
        return env

    def _start(self, name: str, arguments: list[str], extra: dict[str, str] | None) -> Process:
        log_path = self.folder / f"{name}.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                [str(SCRIPT), *arguments],
                cwd=self.folder,
                env=self.environment(extra),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole at the end
            )
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def start_api(
        self,
        name: str,
        *,
        workers: int = 1,
        embedded_worker: bool = False,
        extra: dict[str, str] | None = None,
    ) -> Process:
        """``serve`` on a free port, answering /healthz on return."""
        return self.start_apis(
            [name], workers=workers, embedded_worker=embedded_worker, extra=extra
        )[0]

    def start_apis(
        self,
        names: list[str],
        *,
        workers: int = 1,
        embedded_worker: bool = False,
        extra: dict[str, str] | None = None,
    ) -> list[Process]:
        """``serve`` on a free port each, all started before any is waited for (each takes
        seconds to import and bind), every one answering /healthz on return."""
        started: list[tuple[Process, str]] = []
        for name in names:
            port = free_port()
            arguments = ["serve", "--port", str(port), "--workers", str(workers)]
            arguments.append("--worker" if embedded_worker else "--no-worker")
            process = self._start(name, arguments, extra)
            process.base_url = f"http://127.0.0.1:{port}"
            started.append((process, process.base_url))
        for process, base_url in started:
            wait_until_healthy(process.popen, base_url, process.log)
        return [process for process, _ in started]

    def start_worker(
        self,
        name: str,
        *,
        concurrency: int = 2,
        metrics_port: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> Process:
        """``sellers-center worker``; it claims batches as soon as it has migrated."""
        arguments = ["worker", "--concurrency", str(concurrency)]
        if metrics_port is not None:
            arguments += ["--metrics-port", str(metrics_port)]
        return self._start(name, arguments, extra)

    def command(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *arguments],
            cwd=self.folder,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def stop_all(self) -> None:
        for process in self.processes:
            kill_process_group(process.popen, STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def cluster(
    folder: Path, database_url: str, redis_url: str | None, settings: dict[str, str] | None = None
) -> Iterator[Cluster]:
    running = Cluster(folder, database_url, redis_url, dict(settings or {}))
    try:
        yield running
    finally:
        running.stop_all()


def seller_key(cluster: Cluster, name: str) -> str:
    """Create a seller allowed every brand and return a new API key for it."""
    created = cluster.command("sellers", "create", name)
    assert created.returncode == 0, created.stderr
    issued = cluster.command("keys", "create", "--seller", name)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip().splitlines()[-1]
