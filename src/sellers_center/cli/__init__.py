"""The ``sellers-center`` command: one Typer sub-app per domain; a docstring is its --help.

A command imports only what it needs: the root group imports a module's commands the first time
one of them is looked up (``--help`` of the root looks up all), and the command modules import
the service (the runtime, the app, a domain's service) in their command functions. Importing
everything before parsing the command line took 1.8 s of every command, ``--version`` included.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_group

from sellers_center import __version__


def _client() -> typer.Typer:
    # The seller's commands, over the API with a seller's key: the client package's own.
    from sellers_center_client.push import batches_command, push_command, results_command

    commands = typer.Typer()
    commands.command("push")(push_command)
    commands.command("results")(results_command)
    commands.command("batches")(batches_command)
    return commands


def _sub_apps(module: str, *apps: tuple[str, str | None]) -> Callable[[], typer.Typer]:
    """The commands of ``sellers_center.cli.<module>``: each (attribute, name) is a Typer app
    of the module, added under that name (None: its commands at the root)."""

    def load() -> typer.Typer:
        loaded = importlib.import_module(f"sellers_center.cli.{module}")
        commands = typer.Typer()
        for attribute, name in apps:
            commands.add_typer(getattr(loaded, attribute), name=name)
        return commands

    return load


def _groups(module: str, **apps: str) -> tuple[Callable[[], typer.Typer], tuple[str, ...]]:
    """The command groups of ``sellers_center.cli.<module>``, by name: the attribute of each."""
    return _sub_apps(module, *((app, name) for name, app in apps.items())), tuple(apps)


Source = Callable[[], typer.Typer]
# The root's commands in the order --help lists them, each with the function that imports it.
SOURCES: tuple[tuple[Source, tuple[str, ...]], ...] = (
    (_client, ("push", "results", "batches")),
    (_sub_apps("server", ("app", None)), ("serve", "migrate", "worker")),
    _groups("accounts", sellers="sellers_app", keys="keys_app"),
    _groups("catalog", catalog="catalog_app"),
    _groups("lifecycle", review="review_app", products="products_app"),
    _groups("orders", orders="orders_app"),
    _groups("webhooks", webhooks="webhooks_app"),
)


@dataclass(frozen=True)
class _Pending:
    source: Source


class LazyCommands(MutableMapping[str, Any]):
    """The root group's commands by name (click commands, typed Any: typer's click is private).
    Every name is known at once; a source's commands are built when one of them is looked up."""

    def __init__(self, sources: tuple[tuple[Source, tuple[str, ...]], ...]) -> None:
        self._entries: dict[str, Any] = {
            name: _Pending(source) for source, names in sources for name in names
        }

    def __getitem__(self, name: str) -> Any:
        entry = self._entries[name]
        if isinstance(entry, _Pending):
            built = get_group(entry.source()).commands
            for other, pending in list(self._entries.items()):
                if pending == entry:
                    self._entries[other] = built[other]
        return self._entries[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class RootGroup(TyperGroup):
    """The ``sellers-center`` group, its commands imported when looked up (``LazyCommands``)."""

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self.commands = LazyCommands(SOURCES)


app = typer.Typer(
    cls=RootGroup, help="Sellers Center: the seller-facing catalogue API.", no_args_is_help=True
)


def _print_version(requested: bool) -> None:
    if requested:
        print(f"sellers-center {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Sellers Center: the seller-facing catalogue API."""


def main() -> None:
    app()
