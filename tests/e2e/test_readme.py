"""The README's walkthrough, run verbatim against a real ``serve``: every shell block after the
quickstart's ``make`` block, in order, in one shell, with only the port changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import SCRIPT, running_server

pytestmark = pytest.mark.slow

README = Path(__file__).parents[2] / "README.md"
README_URL = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Bounds, not expectations: the walkthrough waits for a stock batch, a publication, an approval
# (activated by maintenance every 2 s) and a ship batch.
WALKTHROUGH_TIMEOUT_SECONDS = 180


def walkthrough() -> str:
    """The shell blocks a reader runs in a second terminal (not the ``make`` block)."""
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks[0].startswith("make run"), blocks[0]
    return "\n".join(blocks[1:4])


def test_the_readme_walkthrough_works_verbatim(tmp_path: Path) -> None:
    script = walkthrough()
    assert script.count(README_URL) >= 10  # the blocks are the walkthrough, not other examples
    # The README runs from the checkout, where the CLI is .venv/bin/sellers-center.
    (tmp_path / ".venv").symlink_to(SCRIPT.parent.parent, target_is_directory=True)
    with running_server(tmp_path, "readme") as server:
        shell = subprocess.run(
            ["bash", "-c", f"set -euo pipefail\n{script.replace(README_URL, server.base_url)}"],
            cwd=tmp_path,
            env={**server.env, "PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            timeout=WALKTHROUGH_TIMEOUT_SECONDS,
            check=False,
            start_new_session=True,
        )
        outcome = server.command("orders", "list", "--seller", "demo")
        server.stop()

    assert shell.returncode == 0, shell.stderr
    answers = json_values(shell.stdout)
    results = [
        answer
        for answer in answers
        if isinstance(answer, dict) and "batchRequestId" in answer and "items" in answer
    ]
    assert [(answer["status"], outcomes(answer)) for answer in results] == [
        ("completed", [True]),  # the upsert
        ("completed", [True]),  # the ship batch, read once it is completed
    ]
    listings = [answer for answer in answers if isinstance(answer, dict) and "pagination" in answer]
    (orders,) = [
        page["items"] for page in listings if page["items"] and "order_items" in page["items"][0]
    ]
    assert [len(order["order_items"]) for order in orders] == [2]
    for document in ("invoice.pdf", "delivery-note.pdf"):
        assert (tmp_path / document).read_bytes().startswith(b"%PDF-"), document
    assert outcome.returncode == 0, outcome.stderr
    assert "shipped" in outcome.stdout


def outcomes(results: dict[str, Any]) -> list[bool]:
    return [item["success"] for item in results["items"]]


def json_values(printed: str) -> list[Any]:
    """Every JSON document curl printed, one after another (its answers end without a newline)."""
    decoder = json.JSONDecoder()
    values, position = [], 0
    while (start := next_document(printed, position)) is not None:
        value, position = decoder.raw_decode(printed, start)
        values.append(value)
    return values


def next_document(text: str, position: int) -> int | None:
    """Where the next JSON document starts, past the CLI's lines of text."""
    starts = [found for found in (text.find("{", position), text.find("[", position)) if found >= 0]
    return min(starts, default=None)
