"""The ``sellers-center`` command, driven in-process against a SQLite file in ``tmp_path``
(``tests.command_line``); the console entry points and the worker run as real processes."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import json
import shutil
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory

import sellers_center.catalog
from sellers_center.cli import accounts as accounts_commands
from sellers_center.cli import catalog as catalog_commands
from sellers_center.cli import server as server_commands
from sellers_center.db.migrate import alembic_config
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings
from tests import support
from tests.command_line import DATABASE_FILE, SCRIPT, Cli, Outcome

DEMO_CATALOGUE = Path(sellers_center.catalog.__file__).parent / "data" / "demo_catalogue.json"
UNKNOWN_BRAND_ID = 999999
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def demo_catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return data


def demo_brands() -> list[dict[str, Any]]:
    (brand_group,) = [g for g in demo_catalogue()["attribute_groups"] if g["role"] == "brand"]
    attributes = sorted(brand_group["attributes"], key=lambda a: a["id"])
    return [{"id": a["id"], "name": a["frontend_name"]} for a in attributes]


def key_rows(table: str) -> dict[str, list[str]]:
    """The rows of ``keys list``'s table by key id: [key id, label, state, created, expires]."""
    rows = {}
    for line in table.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells
    return rows


def issued_key(result: Outcome) -> tuple[str, str]:
    """(key id, key) from ``keys create``'s output, whose last line is the key alone."""
    key = result.stdout.splitlines()[-1]
    return key.split("_")[1], key


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A CLI on an empty database file (not even migrated)."""
    return Cli(tmp_path)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made once by the CLI: the demo catalogue and the seller ``acme`` (id 1)."""
    template = Cli(tmp_path_factory.mktemp("template"))
    for args in (
        ("migrate",),
        ("catalog", "import", str(DEMO_CATALOGUE)),
        ("sellers", "create", "acme"),
    ):
        result = template.run(*args)
        assert result.returncode == 0, result.stderr
    return template.database_path


@pytest.fixture
def acme_cli(template: Path, tmp_path: Path) -> Cli:
    """A CLI on its own copy of the template database."""
    cli = Cli(tmp_path)
    for source in template.parent.glob(f"{DATABASE_FILE}*"):
        shutil.copyfile(source, tmp_path / source.name)
    return cli


# --- help and version -----------------------------------------------------------------------


def _doc(command: Callable[..., Any]) -> str:
    doc = inspect.getdoc(command)
    assert doc is not None
    return doc


ROOT_HELP = "Sellers Center: the seller-facing catalogue API."
HELP_PAGES: dict[str, str] = {
    "": ROOT_HELP,
    "sellers": "Manage sellers.",
    "keys": "Manage sellers' API keys.",
    "catalog": "Import and export the catalogue taxonomy.",
    "serve": _doc(server_commands.serve),
    "worker": _doc(server_commands.worker_command),
    "migrate": _doc(server_commands.migrate_command),
    "sellers create": _doc(accounts_commands.sellers_create),
    "keys create": _doc(accounts_commands.keys_create),
    "keys list": _doc(accounts_commands.keys_list),
    "keys revoke": _doc(accounts_commands.keys_revoke),
    "catalog import": _doc(catalog_commands.catalog_import),
    "catalog export": _doc(catalog_commands.catalog_export),
}
ENTRY_POINTS: dict[str, list[str]] = {
    "sellers-center": [str(SCRIPT)],
    "python -m sellers_center": [sys.executable, "-m", "sellers_center"],
}


@pytest.mark.parametrize("command", list(HELP_PAGES))
def test_help_shows_the_commands_docstring_and_touches_no_database(
    tmp_path: Path, command: str
) -> None:
    result = Cli(tmp_path).run(*command.split(), "--help")

    assert (result.returncode, result.stderr) == (0, "")
    assert HELP_PAGES[command] in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_entry_points_print_the_help(tmp_path: Path, entry_point: str) -> None:
    result = Cli(tmp_path).run_process([*ENTRY_POINTS[entry_point], "--help"])

    assert (result.returncode, result.stderr) == (0, "")
    assert ROOT_HELP in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_version_is_the_installed_distributions(cli: Cli) -> None:
    result = cli.run("--version")

    expected = f"sellers-center {importlib.metadata.version('sellers-center')}\n"
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    assert sorted(path.name for path in cli.folder.iterdir()) == []


# --- migrate --------------------------------------------------------------------------------


def test_migrate_twice_succeeds_and_leaves_the_schema_at_head(cli: Cli) -> None:
    first = cli.run("migrate")
    second = cli.run("migrate")

    assert (first.returncode, first.stdout) == (0, "Database is up to date.\n")
    assert (second.returncode, second.stdout) == (0, "Database is up to date.\n")
    assert cli.query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert cli.query("SELECT id, version FROM catalog_state") == [(1, 0)]


# --- catalog --------------------------------------------------------------------------------


def test_catalog_import_is_idempotent_and_export_round_trips(cli: Cli) -> None:
    assert cli.run("migrate").returncode == 0
    first = cli.run("catalog", "import", str(DEMO_CATALOGUE))
    second = cli.run("catalog", "import", str(DEMO_CATALOGUE))
    to_file = cli.run("catalog", "export", "out.json")
    to_stdout = cli.run("catalog", "export", "-")

    assert (first.returncode, first.stdout) == (0, "Catalogue imported (version 1).\n")
    assert (second.returncode, second.stdout) == (0, "Catalogue unchanged (version 1).\n")
    assert (to_file.returncode, to_file.stdout) == (0, "Catalogue written to out.json.\n")
    assert json.loads((cli.folder / "out.json").read_text(encoding="utf-8")) == demo_catalogue()
    assert to_stdout.returncode == 0
    assert json.loads(to_stdout.stdout) == demo_catalogue()


def _orphan_category(path: Path) -> None:
    document = demo_catalogue()
    document["categories"].append(
        {
            "id": 9999,
            "name": "Orphan",
            "parent_id": 8888,
            "material_composition_type": None,
            "attribute_groups": [],
        }
    )
    path.write_text(json.dumps(document), encoding="utf-8")


def _invalid_json(path: Path) -> None:
    path.write_text('{"format": 1, "categories": [', encoding="utf-8")


@pytest.mark.parametrize(
    ("write_broken", "expected_stderr_start"),
    [
        pytest.param(
            _invalid_json,
            "error: broken.json is not a valid catalogue: 1 validation error for CatalogDocument\n",
            id="invalid-json",
        ),
        pytest.param(
            _orphan_category,
            "error: Invalid catalogue: category 9999 has unknown parent 8888\n",
            id="unknown-parent",
        ),
    ],
)
def test_a_broken_catalogue_is_refused_and_changes_nothing(
    acme_cli: Cli, write_broken: Callable[[Path], None], expected_stderr_start: str
) -> None:
    write_broken(acme_cli.folder / "broken.json")

    result = acme_cli.run("catalog", "import", "broken.json")
    export = acme_cli.run("catalog", "export", "-")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(expected_stderr_start), result.stderr
    assert acme_cli.query("SELECT version FROM catalog_state") == [(1,)]
    assert export.returncode == 0
    assert json.loads(export.stdout) == demo_catalogue()


# --- sellers --------------------------------------------------------------------------------


def test_sellers_create_grants_brands_and_refuses_duplicates_and_unknown_brands(
    acme_cli: Cli,
) -> None:
    every_brand = acme_cli.run("sellers", "create", "shop")
    duplicate = acme_cli.run("sellers", "create", "acme")
    unknown_brand = acme_cli.run(
        "sellers", "create", "outlet", "--brand", "1101", "--brand", str(UNKNOWN_BRAND_ID)
    )
    two_brands = acme_cli.run("sellers", "create", "boutique", "--brand", "1102", "--brand", "1101")

    assert (every_brand.returncode, every_brand.stdout) == (0, "Created seller 'shop' (id 2).\n")
    assert (duplicate.returncode, duplicate.stdout) == (1, "")
    assert duplicate.stderr == "error: Seller 'acme' already exists\n"
    assert (unknown_brand.returncode, unknown_brand.stdout) == (1, "")
    assert unknown_brand.stderr == f"error: Unknown brand ids: {UNKNOWN_BRAND_ID}\n"
    assert (two_brands.returncode, two_brands.stdout) == (0, "Created seller 'boutique' (id 3).\n")
    sellers = acme_cli.query("SELECT id, name FROM sellers ORDER BY id")
    assert sellers == [(1, "acme"), (2, "shop"), (3, "boutique")]
    granted = acme_cli.query("SELECT brand_id FROM seller_brands WHERE seller_id = 2 ORDER BY 1")
    assert [brand_id for (brand_id,) in granted] == [brand["id"] for brand in demo_brands()]
    granted = acme_cli.query("SELECT brand_id FROM seller_brands WHERE seller_id = 3 ORDER BY 1")
    assert granted == [(1101,), (1102,)]


def test_sellers_create_prints_a_name_with_markup_brackets_verbatim(acme_cli: Cli) -> None:
    created = acme_cli.run("sellers", "create", "[/shop]")

    assert (created.returncode, created.stderr) == (0, "")
    assert created.stdout == "Created seller '[/shop]' (id 2).\n"


# --- keys -----------------------------------------------------------------------------------


def test_keys_create_list_and_revoke(acme_cli: Cli) -> None:
    created = acme_cli.run("keys", "create", "--seller", "acme", "--label", "ci")
    key_id, key = issued_key(created)
    expiring = acme_cli.run("keys", "create", "--seller", "acme", "--expires-in-days", "1")
    expiring_id, _ = issued_key(expiring)
    listed_before = acme_cli.run("keys", "list", "--seller", "acme")
    revoked = acme_cli.run("keys", "revoke", key_id)
    listed = acme_cli.run("keys", "list", "--seller", "acme")

    assert (created.returncode, created.stderr) == (0, "")
    assert created.stdout == f"Created key {key_id} for seller 'acme' (expires: never).\n{key}\n"
    assert key.startswith(f"sc_{key_id}_")
    assert " " not in key
    assert expiring.returncode == 0, expiring.stderr
    assert listed_before.returncode == 0, listed_before.stderr
    assert key_rows(listed_before.stdout)[key_id][:3] == [key_id, "ci", "active"]
    assert (revoked.returncode, revoked.stdout) == (0, f"Revoked key {key_id}.\n")
    assert listed.returncode == 0, listed.stderr
    rows = key_rows(listed.stdout)
    assert sorted(rows) == sorted([key_id, expiring_id])
    assert [rows[key_id][index] for index in (0, 1, 2, 4)] == [key_id, "ci", "revoked", "never"]
    assert rows[expiring_id][:3] == [expiring_id, "", "active"]
    created_at, expires_at = (datetime.fromisoformat(cell) for cell in rows[expiring_id][3:5])
    assert expires_at - created_at == timedelta(days=1)
    assert key not in listed_before.stdout + listed.stdout


def test_keys_refuse_an_unknown_seller_or_key_and_a_zero_expiry(acme_cli: Cli) -> None:
    unknown_seller = acme_cli.run("keys", "create", "--seller", "nobody")
    zero = acme_cli.run("keys", "create", "--seller", "acme", "--expires-in-days", "0")
    unknown_key = acme_cli.run("keys", "revoke", "000000000000")

    assert (unknown_seller.returncode, unknown_seller.stdout) == (1, "")
    assert unknown_seller.stderr == "error: Seller 'nobody' not found\n"
    assert (zero.returncode, zero.stdout) == (2, "")
    assert "Invalid value for '--expires-in-days'" in zero.stderr
    assert (unknown_key.returncode, unknown_key.stdout) == (1, "")
    assert unknown_key.stderr == "error: API key '000000000000' not found\n"
    assert acme_cli.query("SELECT count(*) FROM api_keys") == [(0,)]


def test_errors_print_a_name_with_markup_brackets_verbatim(acme_cli: Cli) -> None:
    result = acme_cli.run("keys", "create", "--seller", "[/nobody]")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: Seller '[/nobody]' not found\n"


async def test_a_key_created_by_the_cli_authenticates_until_revoked(acme_cli: Cli) -> None:
    async def run(*args: str) -> Outcome:
        # The command runs its own event loop, so not on this test's.
        return await asyncio.to_thread(acme_cli.run, *args)

    created = await run("keys", "create", "--seller", "acme", "--label", "ci")
    assert created.returncode == 0, created.stderr
    key_id, key = issued_key(created)
    runtime = Runtime.from_settings(Settings(database_url=acme_cli.database_url))
    transport = httpx.ASGITransport(app=support.app_of(runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            accepted = await client.get("/api/v1/brands/", headers={"X-API-Key": key})
            revoked = await run("keys", "revoke", key_id)
            refused = await client.get("/api/v1/brands/", headers={"X-API-Key": key})
    finally:
        await runtime.database.dispose()

    assert accepted.status_code == 200
    assert accepted.json() == demo_brands()
    assert revoked.returncode == 0, revoked.stderr
    assert refused.status_code == 401
    assert refused.json() == {"message": "API key has been revoked"}


def _commands(command: Any, path: str = "sellers-center") -> list[tuple[str, Any]]:
    found = [(path, command)]
    names: list[str] = getattr(command, "list_commands", lambda _: [])(None)
    for name in names:
        found += _commands(command.get_command(None, name), f"{path} {name}")
    return found


def test_no_help_text_is_taken_for_markup() -> None:
    """The help is rendered with rich's markup: a square-bracketed note in a help text (such as
    "[default: ...]") would vanish from the page."""
    from rich.text import Text
    from typer.main import get_command

    from sellers_center.cli import app

    texts = [
        (f"{path} {getattr(param, 'name', '')}", text)
        for path, command in _commands(get_command(app))
        for param in [command, *command.params]
        if (text := getattr(param, "help", None))
    ]
    eaten = [(where, text) for where, text in texts if Text.from_markup(text).plain != text]

    assert len(texts) > 50
    assert eaten == []
