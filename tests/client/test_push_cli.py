"""The seller's commands as ``sellers-center`` and ``sellers-center-client`` offer them, driven
in-process: their help, what stops a push before anything is sent, and the client's variables,
which the service's settings leave alone."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sellers_center.cli import app as service_app
from sellers_center.settings import Settings
from sellers_center_client.push import (
    API_KEY_VARIABLE,
    BASE_URL_VARIABLE,
    batches_command,
    push_command,
    results_command,
)
from sellers_center_client.push import app as client_app

COMMANDS = {"push": push_command, "results": results_command, "batches": batches_command}
APPS = {"sellers-center": service_app, "sellers-center-client": client_app}
UNREACHABLE = "http://127.0.0.1:1"  # nothing listens there: a push that connects fails at once


def first_line(command: object) -> str:
    doc = inspect.getdoc(command)
    assert doc is not None
    return doc.splitlines()[0]


@pytest.mark.parametrize("app_name", list(APPS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_both_commands_offer_the_sellers_commands_with_their_help(
    app_name: str, command: str
) -> None:
    result = CliRunner().invoke(APPS[app_name], [command, "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert first_line(COMMANDS[command]) in result.stdout


def run_push(app: typer.Typer, *arguments: str) -> tuple[int, str, str]:
    env = {API_KEY_VARIABLE: "sc_000000000000_key", BASE_URL_VARIABLE: UNREACHABLE}
    result = CliRunner().invoke(app, ["push", *arguments], env={**env, "COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def test_a_bad_item_stops_the_push_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "stocks.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n{"sku": "B", "quantity": }\n')

    code, stdout, stderr = run_push(service_app, str(path), "--kind", "stocks")

    assert (code, stdout) == (1, "")
    assert stderr == f"error: {path}, line 2: not valid JSON: Expecting value\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stocks.jsonl"]  # no state file


def test_a_file_of_unknown_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stocks.txt"
    path.write_text('{"sku": "A", "quantity": 1}\n')

    code, _, stderr = run_push(client_app, str(path), "--kind", "stocks")

    assert code == 1
    assert stderr == (
        f"error: {path}: cannot tell the format from the suffix "
        "(known: .csv, .json, .jsonl, .ndjson)\n"
    )


def test_a_state_file_that_does_not_fit_stops_the_push_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n')
    state = tmp_path / "items.jsonl.push-state"
    header = (
        '{"format":"sellers-center-push/1","file":"items.jsonl","size":28,'
        '"sha256":"x","kind":"stocks","items":1,"chunk_size":1000}\n'
    )
    state.write_text(header)

    code, _, stderr = run_push(client_app, str(path), "--kind", "stocks")

    assert code == 1
    assert stderr == (
        f"error: the file changed since {state} was written; remove it to push the file as a "
        "new push\n"
    )
    assert state.read_text() == header


def test_a_push_needs_a_key(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"sku": "A", "quantity": 1}\n')

    result = CliRunner().invoke(client_app, ["push", str(path), "--kind", "stocks"], env={})

    assert result.exit_code == 2
    assert "--api-key" in result.stderr


def test_the_clients_variables_are_not_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_VARIABLE, "sc_000000000000_key")
    monkeypatch.setenv(BASE_URL_VARIABLE, "http://127.0.0.1:8000")

    Settings()  # no "unknown setting"
