"""``catalog``: import and export the catalogue taxonomy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import fail, read, say, write

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.catalog.document import CatalogDocument
    from sellers_center.cli.command import Services

catalog_app = typer.Typer(help="Import and export the catalogue taxonomy.", no_args_is_help=True)


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Replace the catalogue with the one in FILE (JSON); importing the same file is a no-op."""
    from sellers_center.catalog import service as catalog
    from sellers_center.catalog.document import CatalogDocument

    try:
        document = CatalogDocument.model_validate_json(file.read_bytes())
    except ValueError as error:
        fail(f"{file} is not a valid catalogue: {error}")

    async def work(session: AsyncSession, _: Services) -> catalog.ImportOutcome:
        return await catalog.import_document(session, document)

    outcome = write(work)
    state = "imported" if outcome.changed else "unchanged"
    say(f"Catalogue {state} (version {outcome.version}).")


@catalog_app.command("export")
def catalog_export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="'-' for stdout.")],
) -> None:
    """Write the catalogue to FILE as JSON, in the format `catalog import` reads."""
    from sellers_center.catalog import service as catalog

    async def work(session: AsyncSession, _: Services) -> CatalogDocument:
        return await catalog.export_document(session)

    text = json.dumps(read(work).model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        say(f"Catalogue written to {file}.")
