"""``sellers-center serve`` as a real process: first start, the README walkthrough, SIGTERM."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

import sellers_center.catalog
from sellers_center.cli.server import DEMO_SELLER
from tests.e2e.server import (
    COMMAND_TIMEOUT_SECONDS,
    FIRST_START_BANNER,
    KEY_PATTERN,
    SCRIPT,
    environment,
    running_server,
)

pytestmark = pytest.mark.slow

DEMO_CATALOGUE = Path(sellers_center.catalog.__file__).parent / "data" / "demo_catalogue.json"
JACKETS_ID = 112
JACKETS_PATH = "Women > Clothing > Jackets & coats > Jackets"


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


def test_without_demo_data_serve_creates_no_seller_and_loads_no_catalogue(tmp_path: Path) -> None:
    with running_server(tmp_path, "bare", {"SELLERS_CENTER_DEMO_DATA": "false"}) as server:
        printed = server.stdout()
        created = server.command("sellers", "create", "first-seller")
        issued = server.command("keys", "create", "--seller", "first-seller")
        key = issued.stdout.strip().splitlines()[-1]
        with server.client(key) as client:
            categories = client.get("/api/v1/categories/")
        sellers = server.command("keys", "list", "--seller", DEMO_SELLER)

    assert KEY_PATTERN.search(printed) is None
    assert (created.returncode, issued.returncode) == (0, 0), (created.stderr, issued.stderr)
    assert categories.status_code == 200
    assert categories.json()["items"] == []
    assert (sellers.returncode, sellers.stderr.strip()) == (1, "error: Seller 'demo' not found")
