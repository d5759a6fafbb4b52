"""Parsing a command line imports what the command needs only: every ``sellers-center`` process
paid 1.8 s (3.7 s on a loaded machine) importing the whole service (the app, the runtime with
every batch kind, the PDF library) before it even printed ``--version``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What building the root group and looking up ``keys create`` (the whole command line but the
# command's own work) may not import: the service, the database layer, the client package.
# (typer itself imports pydantic, for commands taking pydantic types.)
NOT_FOR_KEYS_CREATE = (
    "alembic",
    "fastapi",
    "fpdf",
    "sellers_center.accounts",
    "sellers_center.app",
    "sellers_center.cli.orders",
    "sellers_center.db",
    "sellers_center.runtime",
    "sellers_center_client",
    "sqlalchemy",
    "uvicorn",
)
# What building every command (as the root's --help does) may not import: the commands import
# the app, the runtime and the batch kinds when they run.
NOT_FOR_ANY_COMMAND = (
    "fastapi",
    "fpdf",
    "sellers_center.app",
    "sellers_center.kinds",
    "sellers_center.runtime",
    "uvicorn",
)

PROBE = f"""
import json, sys
import typer.main
from sellers_center.cli import app

def loaded(names):
    return sorted(name for name in names if name in sys.modules)

root = typer.main.get_command(app)
context = root.make_context("sellers-center", ["keys", "create", "--seller", "demo"])
keys = root.get_command(context, "keys")
assert keys.get_command(context, "create") is not None
keys_create = loaded({NOT_FOR_KEYS_CREATE!r})

def every(group, context):
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if hasattr(command, "list_commands"):
            every(command, context)

every(root, context)
print(json.dumps([keys_create, loaded({NOT_FOR_ANY_COMMAND!r})]))
"""


@pytest.mark.slow
def test_commands_import_the_service_only_when_they_run() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )

    assert json.loads(probe.stdout) == [[], []]
