"""``sellers-center serve`` as a real process: first start, the README walkthrough, SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import sellers_center.catalog

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("sellers-center")
DEMO_CATALOGUE = Path(sellers_center.catalog.__file__).parent / "data" / "demo_catalogue.json"
# Bounds, not expectations: a start migrates and loads the catalogue (~3 s here).
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15
COMMAND_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 5
POLL_INTERVAL_SECONDS = 0.1
KEY_PATTERN = re.compile(r"sc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
FIRST_START_BANNER = "Created seller 'demo'. Its API key, shown only this once:"
JACKETS_ID = 112
JACKETS_PATH = "Women > Clothing > Jackets & coats > Jackets"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"X-API-Key": key}, timeout=REQUEST_TIMEOUT_SECONDS
        )

    def stop(self) -> int | None:
        """SIGTERM, then the exit status, or None when it did not stop in time."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return None


def environment(folder: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "FORCE_COLOR"}
    env.update(
        SELLERS_CENTER_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'db.sqlite'}",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"serve exited with {server.process.returncode}:\n{server.stderr()}")
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(f"{server.base_url}/healthz", timeout=REQUEST_TIMEOUT_SECONDS)
            if response.status_code == 200:
                return
        time.sleep(POLL_INTERVAL_SECONDS)
    pytest.fail(f"serve did not answer /healthz in {START_TIMEOUT_SECONDS} s:\n{server.stderr()}")


@contextlib.contextmanager
def running_server(folder: Path, name: str) -> Iterator[Server]:
    """``serve`` on a free port, healthy on entry; killed on exit if still running."""
    port = free_port()
    stdout_path, stderr_path = folder / f"{name}.stdout", folder / f"{name}.stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(port)],
            cwd=folder,
            env=environment(folder),
            stdout=stdout,
            stderr=stderr,
        )
        try:
            server = Server(process, f"http://127.0.0.1:{port}", stdout_path, stderr_path)
            wait_until_healthy(server)
            yield server
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)


def run_shell(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def demo_catalogue() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return document


def demo_brands() -> list[dict[str, Any]]:
    (brand_group,) = [g for g in demo_catalogue()["attribute_groups"] if g["role"] == "brand"]
    attributes = sorted(brand_group["attributes"], key=lambda a: a["id"])
    return [{"id": a["id"], "name": a["frontend_name"]} for a in attributes]


def expected_group_ids(category_id: int) -> set[int]:
    """The groups of a category and of its ancestors, read from the demo catalogue file."""
    document = demo_catalogue()
    categories = {category["id"]: category for category in document["categories"]}
    groups: set[int] = set()
    current: int | None = category_id
    while current is not None:
        groups.update(categories[current]["attribute_groups"])
        current = categories[current]["parent_id"]
    return groups


def test_first_start_prints_a_demo_key_and_the_readme_walkthrough_works(tmp_path: Path) -> None:
    with running_server(tmp_path, "first") as server:
        banner, demo_key = server.stdout().splitlines()[:2]
        walkthrough = run_shell(
            tmp_path,
            f"KEY=$({shlex.quote(str(SCRIPT))} keys create --seller demo --label walkthrough"
            " | tail -n 1); printf '%s' \"$KEY\"",
        )
        key = walkthrough.stdout
        with server.client(key) as client:
            categories = client.get("/api/v1/categories/?query=women+jackets")
            groups = client.get(f"/api/v1/categories/{JACKETS_ID}/attribute-groups")
        with server.client(demo_key) as client:
            brands = client.get("/api/v1/brands/")
        exit_status = server.stop()

    assert banner == FIRST_START_BANNER
    assert KEY_PATTERN.fullmatch(demo_key), demo_key
    assert walkthrough.returncode == 0, walkthrough.stderr
    assert KEY_PATTERN.fullmatch(key), key
    assert key != demo_key
    assert categories.status_code == 200
    jackets = [item for item in categories.json()["items"] if item["id"] == JACKETS_ID]
    assert [item["path"] for item in jackets] == [JACKETS_PATH]
    assert groups.status_code == 200
    assert isinstance(groups.json(), list)
    assert "jacket_style" in [group["name"] for group in groups.json()]
    assert {group["id"] for group in groups.json()} == expected_group_ids(JACKETS_ID)
    assert brands.status_code == 200
    assert brands.json() == demo_brands()
    assert "Application shutdown complete." in server.stderr()
    assert exit_status == 0


def test_a_second_start_on_the_same_database_prints_no_new_key(tmp_path: Path) -> None:
    with running_server(tmp_path, "first") as first:
        assert first.stdout().splitlines()[0] == FIRST_START_BANNER
        first.stop()

    with running_server(tmp_path, "second") as second:
        printed = second.stdout()
        second.stop()

    assert FIRST_START_BANNER not in printed
    assert [line for line in printed.splitlines() if line.startswith("sc_")] == []
    assert KEY_PATTERN.search(printed) is None
