"""The ``sellers-center`` command: one Typer sub-app per domain; a docstring is its --help."""

from __future__ import annotations

from typing import Annotated

import typer

from sellers_center import __version__
from sellers_center.cli import accounts, catalog, lifecycle, orders, products, server, webhooks
from sellers_center_client.push import batches_command, push_command, results_command

app = typer.Typer(help="Sellers Center: the seller-facing catalogue API.", no_args_is_help=True)
app.add_typer(server.app)
app.add_typer(accounts.sellers_app, name="sellers")
app.add_typer(accounts.keys_app, name="keys")
app.add_typer(catalog.catalog_app, name="catalog")
app.add_typer(lifecycle.review_app, name="review")
lifecycle.products_app.command("fbm-stock")(products.fbm_stock)
app.add_typer(lifecycle.products_app, name="products")
app.add_typer(orders.orders_app, name="orders")
app.add_typer(webhooks.webhooks_app, name="webhooks")
# The seller's commands, over the API with a seller's key: the client package's own.
app.command("push")(push_command)
app.command("results")(results_command)
app.command("batches")(batches_command)


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
