"""An embedded server (``sellers-center serve``, SQLite, rate limits off) that can be stopped and
started again on the same database, so a benchmark can seed that database in between.

bench/ingest.py's ``Server`` starts once on a fresh database; this one keeps the demo seller's
key from its first start (``serve`` prints it only then) and its functions that take a server
accept either.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import httpx

from bench.ingest import FINISH_SECONDS, STARTUP_SECONDS, free_port

# Waiting for a backlog: the database is read this often (a read, so it does not slow the server).
POLL_SECONDS = 0.1


class EmbeddedServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / "bench.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = ""
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> EmbeddedServer:
        self.starts += 1
        log = self.folder / f"server-{self.starts}.log"
        env = {
            **os.environ,
            "SELLERS_CENTER_DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
            "SELLERS_CENTER_RATE_LIMITS_ENABLED": "false",
        }
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sellers_center", "serve", "--port", str(self.port)],
                cwd=self.folder,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready(log)
        return self

    def _wait_until_ready(self, log: Path) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if not self.key:
                keys = [line for line in log.read_text().splitlines() if line.startswith("sc_")]
                self.key = keys[0] if keys else ""
            try:
                if self.key and httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start; see {log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        self.process = None

    def connect(self) -> sqlite3.Connection:
        """A connection of the benchmark's own to the server's database (reads beside it)."""
        return sqlite3.connect(self.database, timeout=60)

    def timings(self, batch_ids: Sequence[str]) -> dict[str, tuple[datetime, datetime, str]]:
        """As bench/ingest.py's ``Server.timings``: created and finished times of final batches."""
        wanted = [batch_id.replace("-", "") for batch_id in batch_ids]
        with self.connect() as connection:
            rows = [
                row
                for chunk in _chunks(wanted)
                for row in connection.execute(
                    "SELECT id, created_at, finished_at, status FROM batches "
                    f"WHERE id IN ({','.join('?' * len(chunk))}) AND finished_at IS NOT NULL",
                    chunk,
                )
            ]
        return {
            row[0]: (datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2]), row[3])
            for row in rows
        }

    async def wait_final(self, batch_ids: Sequence[str]) -> None:
        """Until every batch is final, read from the database (no HTTP polling load)."""
        deadline = time.monotonic() + FINISH_SECONDS
        while time.monotonic() < deadline:
            if len(self.timings(batch_ids)) == len(batch_ids):
                return
            await asyncio.sleep(POLL_SECONDS)
        raise RuntimeError(f"batches were not final after {FINISH_SECONDS} s")

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[n : n + size] for n in range(0, len(values), size)]


def demo_seller_id(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT id FROM sellers WHERE name = 'demo'").fetchone()
    if row is None:
        raise RuntimeError("no demo seller: the server has not prepared the database")
    return int(row[0])
