"""What stops a ``sellers-center`` command before it does anything: a setting it does not know,
a schema that is not at this version's head, a database it cannot reach. Each ends the command
with one line on stderr and status 1, and changes nothing. Driven in-process
(``tests.command_line``), except the worker, whose logging belongs to its own process."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

import sellers_center.catalog
from sellers_center.app import create_app
from sellers_center.db import Database
from sellers_center.db.migrate import alembic_config, migrate
from sellers_center.runtime import Runtime
from sellers_center.settings import Settings, SettingsError
from tests.command_line import SCRIPT, Cli, Outcome, run_command

DEMO_CATALOGUE = Path(sellers_center.catalog.__file__).parent / "data" / "demo_catalogue.json"
SCRIPTS = ScriptDirectory.from_config(alembic_config())
HEAD = SCRIPTS.get_current_head()
assert HEAD is not None
PREVIOUS = SCRIPTS.get_revision(HEAD).down_revision
# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE_URL = "postgresql+asyncpg://operator:secret@127.0.0.1:1/sellers"
SHOWN_URL = "postgresql+asyncpg://operator:***@127.0.0.1:1/sellers"
BUCKETS = (
    "attribute_groups, batches.list, batches.read, brands, cancel-orders.submit, categories, "
    "countries, orders.carriers, "
    "orders.delivery_document, orders.invoices, orders.list, prices.submit, products.delete, "
    "products.read, products.rejected, products.submit, results.cancel-orders, results.prices, "
    "results.products, results.return-orders, results.ship-orders, results.status, "
    "results.stocks, return-orders.submit, ship-orders.submit, status.submit, stocks.submit, "
    "webhooks.create, webhooks.delete, webhooks.deliveries, webhooks.list, webhooks.read, "
    "webhooks.redeliver, webhooks.rotate, webhooks.types, webhooks.update"
)

# Every command that works on the database without migrating it.
OPERATOR_COMMANDS: dict[str, tuple[str, ...]] = {
    "sellers create": ("sellers", "create", "shop"),
    "keys create": ("keys", "create", "--seller", "acme"),
    "keys list": ("keys", "list", "--seller", "acme"),
    "keys revoke": ("keys", "revoke", "000000000000"),
    "catalog import": ("catalog", "import", str(DEMO_CATALOGUE)),
    "catalog export": ("catalog", "export", "-"),
    "review list": ("review", "list"),
    "review approve": ("review", "approve", "JKT-1", "--seller", "acme"),
    "review reject": ("review", "reject", "JKT-1", "--seller", "acme", "--reason", "wrong_sizes"),
    "products history": ("products", "history", "JKT-1", "--seller", "acme"),
    "products fbm-stock": (
        "products",
        "fbm-stock",
        "--seller",
        "acme",
        "--sku",
        "JKT-1-S",
        "--quantity",
        "1",
    ),
    "orders place": ("orders", "place", "--seller", "acme", "--item", "JKT-1-S"),
    "orders simulate": ("orders", "simulate", "--seller", "acme", "--count", "1"),
    "orders list": ("orders", "list", "--seller", "acme"),
    "orders show": ("orders", "show", "100000000001"),
    "webhooks list": ("webhooks", "list", "--seller", "acme"),
    "webhooks deliveries": ("webhooks", "deliveries", "0190a0b0-0000-7000-8000-000000000000"),
}
# The commands that migrate, up to the point where they would start serving or working.
MIGRATING_COMMANDS: dict[str, tuple[str, ...]] = {
    "migrate": ("migrate",),
    "serve": ("serve", "--port", "1"),
}


def dump(path: Path) -> list[str]:
    """The whole database as SQL: equal dumps, equal databases."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def assert_one_error_line(result: Outcome, text: str) -> None:
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: {text}\n"


async def _migrate_to(url: str, revision: str) -> None:
    database = Database(url)
    try:
        await migrate(database, revision)
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def behind_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated to the revision before this version's head."""
    path = tmp_path_factory.mktemp("behind") / "db.sqlite"
    assert PREVIOUS is not None
    asyncio.run(_migrate_to(f"sqlite+aiosqlite:///{path}", str(PREVIOUS)))
    return path


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A CLI on an empty database file (not even migrated)."""
    return Cli(tmp_path)


@pytest.fixture
def behind_cli(behind_template: Path, tmp_path: Path) -> Cli:
    for source in behind_template.parent.glob("db.sqlite*"):
        shutil.copyfile(source, tmp_path / source.name)
    return Cli(tmp_path)


# --- the schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(OPERATOR_COMMANDS))
def test_operator_commands_refuse_a_schema_behind_and_leave_it(
    behind_cli: Cli, command: str
) -> None:
    before = dump(behind_cli.database_path)

    result = behind_cli.run(*OPERATOR_COMMANDS[command])

    assert_one_error_line(
        result,
        f"The database schema is behind this version (at {PREVIOUS}, needs {HEAD}): "
        "run `sellers-center migrate`",
    )
    assert dump(behind_cli.database_path) == before
    assert behind_cli.query("SELECT version_num FROM alembic_version") == [(PREVIOUS,)]


def test_an_operator_command_on_an_empty_database_says_to_migrate_first(cli: Cli) -> None:
    result = cli.run("keys", "list", "--seller", "acme")

    assert_one_error_line(
        result, "The database has no schema yet: run `sellers-center migrate` first"
    )
    assert cli.tables() == []


def test_an_operator_command_refuses_a_schema_newer_than_it_knows(behind_cli: Cli) -> None:
    with sqlite3.connect(behind_cli.database_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()

    result = behind_cli.run("review", "list")

    assert_one_error_line(
        result,
        f"The database schema (9999) is newer than this version of sellers-center "
        f"(which knows up to {HEAD}): upgrade sellers-center",
    )
    assert behind_cli.query("SELECT version_num FROM alembic_version") == [("9999",)]


def test_migrate_brings_a_schema_behind_to_head(behind_cli: Cli) -> None:
    migrated = behind_cli.run("migrate")
    listed = behind_cli.run("review", "list")

    assert (migrated.returncode, migrated.stdout) == (0, "Database is up to date.\n")
    assert behind_cli.query("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert (listed.returncode, listed.stderr) == (0, "")


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [*OPERATOR_COMMANDS.values(), *MIGRATING_COMMANDS.values(), ("worker",)],
    ids=" ".join,
)
def test_a_misspelt_setting_stops_every_command_naming_the_closest(
    cli: Cli, command: tuple[str, ...]
) -> None:
    result = cli.run(*command, env={"SELLERS_CENTER_SANBOX": "true"})

    assert_one_error_line(
        result, "unknown setting: SELLERS_CENTER_SANBOX (did you mean SELLERS_CENTER_SANDBOX?)"
    )
    assert sorted(path.name for path in cli.folder.iterdir()) == []


def test_the_test_suites_own_variables_are_not_settings(cli: Cli) -> None:
    test_suite: dict[str, str | None] = {
        "SELLERS_CENTER_TEST_POSTGRES_URL": "postgresql+asyncpg://postgres@127.0.0.1/test",
        "SELLERS_CENTER_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
    }

    result = cli.run("migrate", env=test_suite)

    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("variable", "value", "text"),
    [
        (
            "SELLERS_CENTER_LEASE_SECONDS",
            "soon",
            "SELLERS_CENTER_LEASE_SECONDS: Input should be a valid number, unable to parse "
            "string as a number",
        ),
        (
            "SELLERS_CENTER_RATE_LIMITS",
            '{"brands": "many"}',
            "SELLERS_CENTER_RATE_LIMITS (brands): Input should be a valid integer, unable to "
            "parse string as an integer",
        ),
        (
            "SELLERS_CENTER_RATE_LIMITS",
            "brands=5",
            'error parsing value for field "rate_limits" from source "EnvSettingsSource": '
            "Expecting value: line 1 column 1 (char 0)",
        ),
    ],
    ids=["number", "json-value", "not-json"],
)
def test_a_setting_with_a_bad_value_is_named_on_one_line(
    cli: Cli, variable: str, value: str, text: str
) -> None:
    result = cli.run("migrate", env={variable: value})

    assert_one_error_line(result, text)
    assert sorted(path.name for path in cli.folder.iterdir()) == []


def test_serve_refuses_a_rate_limit_for_an_unknown_bucket(cli: Cli) -> None:
    limits = '{"categorie": 5, "brands": 50}'

    result = cli.run("serve", "--port", "1", env={"SELLERS_CENTER_RATE_LIMITS": limits})

    assert_one_error_line(
        result,
        "SELLERS_CENTER_RATE_LIMITS names unknown buckets: categorie (did you mean categories?);"
        f" the buckets are {BUCKETS}",
    )


def test_serve_refuses_an_in_memory_database_its_worker_process_could_not_share(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path)
    cli.database_url = "sqlite+aiosqlite://"

    result = cli.run("serve", "--port", "1")

    assert_one_error_line(
        result,
        "an in-memory SQLite database cannot be shared with serve's worker process: use a "
        "database file, or --no-worker",
    )


async def test_the_app_refuses_a_rate_limit_for_an_unknown_bucket(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limits={"results.product": 5})
    runtime = Runtime.from_settings(settings)
    try:
        with pytest.raises(SettingsError) as refused:
            create_app(runtime)
    finally:
        await runtime.database.dispose()

    assert str(refused.value) == (
        "SELLERS_CENTER_RATE_LIMITS names unknown buckets: results.product "
        f"(did you mean results.products?); the buckets are {BUCKETS}"
    )


# --- an unreachable database ----------------------------------------------------------------


@pytest.mark.parametrize("command", [*OPERATOR_COMMANDS, *MIGRATING_COMMANDS])
def test_an_unreachable_database_ends_a_command_with_one_line(tmp_path: Path, command: str) -> None:
    arguments = {**OPERATOR_COMMANDS, **MIGRATING_COMMANDS}[command]

    result = run_command(UNREACHABLE_URL, *arguments, folder=tmp_path)

    assert_one_error_line(
        result,
        f"cannot use the database {SHOWN_URL}: [Errno 111] Connect call failed ('127.0.0.1', 1)",
    )


def test_a_database_file_that_cannot_be_opened_ends_a_command_with_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "db.sqlite").mkdir()
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"

    result = run_command(url, "keys", "list", "--seller", "acme", folder=tmp_path)

    assert_one_error_line(result, f"cannot use the database {url}: unable to open database file")


@pytest.mark.slow
def test_a_worker_without_its_database_ends_with_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.database_url = UNREACHABLE_URL

    result = cli.run_process([str(SCRIPT), "worker"])

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: cannot use the database {SHOWN_URL}: "
        "[Errno 111] Connect call failed ('127.0.0.1', 1)\n"
    )
