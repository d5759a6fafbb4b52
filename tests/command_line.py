"""``sellers-center`` driven in-process: typer's CliRunner on the root app, configured through
the environment as an operator would. A command costs milliseconds here, where a real process
costs an interpreter start and the imports its command needs (1.8 s for ``keys create``, 0.2 s
for ``--version``, measured on a machine at load 1; ``serve`` and ``worker`` import the whole
service).

Tests about process behaviour (signals, ``serve``, ``worker``, the console entry point) still
start real processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sellers_center.cli import app

SCRIPT = Path(sys.executable).with_name("sellers-center")
DATABASE_FILE = "db.sqlite"
# Wide enough that rich wraps neither a table row, a help text nor a long error.
TERMINAL_COLUMNS = "1000"
# Generous: a process starts an interpreter and imports the whole service (~1.5 s here).
PROCESS_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    """What a command did, named like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def run_command(
    database_url: str,
    *args: str,
    folder: Path | None = None,
    env: Mapping[str, str | None] | None = None,
) -> Outcome:
    """Run ``sellers-center ARGS`` against ``database_url``, in ``folder`` when given (for
    relative file names). ``env`` adds variables (None removes one)."""
    environment: dict[str, str | None] = {
        "SELLERS_CENTER_DATABASE_URL": database_url,
        "COLUMNS": TERMINAL_COLUMNS,
        "NO_COLOR": "1",
        "FORCE_COLOR": None,
    }
    environment.update(env or {})
    within = contextlib.chdir(folder) if folder is not None else contextlib.nullcontext()
    with within:
        result = CliRunner().invoke(app, list(args), env=environment, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


class Cli:
    """Runs ``sellers-center`` in ``folder`` against the SQLite file there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database_path = folder / DATABASE_FILE
        self.database_url = f"sqlite+aiosqlite:///{self.database_path}"

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> Outcome:
        return run_command(self.database_url, *args, folder=self.folder, env=env)

    def run_process(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """A real process: for what only a process shows (entry points, logging, signals)."""
        env = {name: value for name, value in os.environ.items() if name != "FORCE_COLOR"}
        env.update(
            SELLERS_CENTER_DATABASE_URL=self.database_url,
            COLUMNS=TERMINAL_COLUMNS,
            NO_COLOR="1",
        )
        return subprocess.run(
            argv,
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT_SECONDS,
            check=False,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.database_path)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def tables(self) -> list[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [name for (name,) in rows]
