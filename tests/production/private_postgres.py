"""A throwaway PostgreSQL server of a test's own, which it may stop, kill and restart.

Tests that take the database server away must never touch the machine's own server (other
test runs, other projects use it). ``private_postgres`` runs ``initdb`` into a temporary folder,
starts the server on a free port with its unix socket in that folder, and stops it (immediate)
and removes the folder at the end, pass or fail.

PostgreSQL refuses to run as root (CI runs as root): then every server command runs as the
``postgres`` OS user, which owns the folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.server import free_port
from tests.support import IS_CI

BINARIES = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"
SUPERUSER = "postgres"
# Bounds, not expectations (2 shared cores; initdb takes 2-4 s here).
COMMAND_TIMEOUT_SECONDS = 120
READY_TIMEOUT_SECONDS = 60
START_ATTEMPTS = 3  # a free port may be taken between the probe and the server's bind
# fsync off: no test here is about surviving a power cut, and a stop or kill of the server
# keeps what the operating system already holds.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",  # every API and worker process has its own pools
    "fsync": "off",
    "full_page_writes": "off",
    "logging_collector": "off",
}


@dataclass
class PrivatePostgres:
    """One server: ``folder`` holds its data directory, socket and log."""

    binaries: Path
    folder: Path
    run_as: list[str]
    port: int = 0

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def server_url(self) -> str:
        """The URL of the ``postgres`` maintenance database, for creating others."""
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, str(self.binaries / tool), *arguments],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )

    def pg_ctl(self, action: str, *options: str) -> subprocess.CompletedProcess[str]:
        """``pg_ctl ACTION`` on this server, waiting (bounded) until it is done."""
        return self.run(
            "pg_ctl",
            action,
            *("-D", str(self.data), "-l", str(self.log_path)),
            *("-w", "-t", str(READY_TIMEOUT_SECONDS)),
            *options,
        )

    def restart(self) -> None:
        """A clean restart, as an operator does it: fast shutdown, then start.

        Raises AssertionError (not pytest's failure) so a thread running it can record it."""
        done = self.pg_ctl("restart", "-m", "fast")
        assert done.returncode == 0, f"pg_ctl restart: {done.stdout}{done.stderr}\n{self.log()}"

    def answers(self) -> bool:
        ready = self.run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q")
        return ready.returncode == 0

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        return "(no server log)"

    def initialise(self) -> None:
        done = self.run(
            "initdb",
            *("-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8"),
            *("--auth=trust", "--no-sync"),  # the folder is thrown away after the test
        )
        if done.returncode != 0:
            pytest.fail(f"initdb failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        """Start on a free port, trying another one if the probe's port was taken meanwhile."""
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            self._write_settings()
            started = self.pg_ctl("start")
            if started.returncode == 0:
                return
            if attempt == START_ATTEMPTS:
                pytest.fail(f"pg_ctl start: {started.stdout}{started.stderr}\n{self.log()}")

    def stop_immediately(self) -> None:
        """Stop without a checkpoint: the folder is removed next, nothing needs to survive."""
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate")

    def _write_settings(self) -> None:
        settings = {**SERVER_SETTINGS, "port": str(self.port)}
        settings["unix_socket_directories"] = f"'{self.folder}'"
        lines = [f"{name} = {value}" for name, value in settings.items()]
        # Written as the server user (the file is its own; the last setting of a name wins).
        appended = subprocess.run(
            [*self.run_as, "sh", "-c", f"cat >> '{self.data / 'postgresql.conf'}'"],
            input="\n".join(["", *lines, ""]),
            text=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        assert appended.returncode == 0, appended.stderr


def find_binaries() -> Path | None:
    """The newest installed server's bin folder, or None."""
    found = [
        folder
        for folder in Path("/usr/lib/postgresql").glob("*/bin")
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()
    ]
    numeric = [folder for folder in found if folder.parent.name.isdigit()]
    return max(numeric, key=lambda folder: int(folder.parent.name), default=None)


def unavailable(reason: str) -> None:
    if IS_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)")
    pytest.skip(reason)


def server_user() -> tuple[list[str], int | None]:
    """The command prefix that runs a tool as the server's user, and that user's uid to own
    the folder (None: the current user runs the server)."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    try:
        uid = pwd.getpwnam(SERVER_USER).pw_uid
    except KeyError:
        uid = None
    if runuser is None or uid is None:
        unavailable(
            f"a private PostgreSQL cannot run as root and needs the {SERVER_USER!r} OS user "
            f"and runuser (user found: {uid is not None}, runuser: {runuser})"
        )
    return [str(runuser), "-u", SERVER_USER, "--"], uid


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh server, up on entry; stopped and removed on exit, pass or fail."""
    binaries = find_binaries()
    if binaries is None:
        unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) in {BINARIES}")
    assert binaries is not None
    run_as, uid = server_user()
    # Not under pytest's tmp_path: its parents are private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="sellers-center-postgres-"))
    if uid is not None:
        os.chown(folder, uid, -1)
    server = PrivatePostgres(binaries, folder, run_as)
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        server.stop_immediately()
        shutil.rmtree(folder, ignore_errors=True)
