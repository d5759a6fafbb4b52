"""What a push, a batch and the list of batches look like to the seller: tables and the error
CSV."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from sellers_center_client._batch import BatchResult, BatchSummary
from sellers_center_client.push._runner import FailedItem

ERROR_COLUMNS = ("item", "batch_id", "reference", "errors", "request_item")
ERROR_SEPARATOR = "; "
COUNTS = ("items", "applied", "failed")
# Rows of failed items printed; the error CSV holds them all.
SHOWN_FAILURES = 20


def write_errors_csv(path: Path, failures: Iterable[FailedItem]) -> Iterator[FailedItem]:
    """Write every failure to ``path`` (a temporary file renamed into place once complete) and
    pass each on, as the failures are read."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(ERROR_COLUMNS)
        for failure in failures:
            writer.writerow(
                (
                    failure.number,
                    failure.batch_id,
                    failure.reference,
                    ERROR_SEPARATOR.join(failure.errors),
                    json.dumps(failure.item, ensure_ascii=False, separators=(",", ":")),
                )
            )
            yield failure
    os.replace(temporary, path)


class FailureTable:
    """The first ``SHOWN_FAILURES`` failures as a table, and how many there were."""

    def __init__(self) -> None:
        self.count = 0
        self.table = Table("item", "SKU / style", "errors", title="Items not applied")

    def add(self, failure: FailedItem) -> None:
        self.count += 1
        if self.count <= SHOWN_FAILURES:
            self.table.add_row(
                f"{failure.number:,}", escape(failure.reference), escape("\n".join(failure.errors))
            )

    def show(self, console: Console, *, errors_out: Path | None) -> None:
        if self.count == 0:
            return
        console.print(self.table)
        if self.count > SHOWN_FAILURES:
            more = f"... and {self.count - SHOWN_FAILURES:,} more"
            where = f": every one is in {errors_out}" if errors_out else " (--errors-out FILE)"
            console.print(escape(more + where), highlight=False)


def result_table(result: BatchResult[Any], *, only_failed: bool) -> Table:
    """A batch's items: outcome and errors of each."""
    # Only the failed items: their positions in the batch are not known.
    table = Table(*(() if only_failed else ("item",)), "SKU / style", "applied", "errors")
    for position, outcome in enumerate(result.items, start=1):
        item = outcome.request_item.to_wire()
        reference = str(item.get("sku") or item.get("style_key") or "")
        row = (
            escape(reference),
            "yes" if outcome.success else "[red]no[/red]",
            escape("\n".join(outcome.errors)),
        )
        table.add_row(*(row if only_failed else (str(position), *row)))
    return table


def batches_table(batches: Iterable[BatchSummary]) -> Table:
    table = Table(
        *(
            Column(name, no_wrap=True, justify="right" if name in COUNTS else "left")
            for name in ("batch", "kind", "status", "created (UTC)", *COUNTS)
        ),
        box=None,
        pad_edge=False,
    )
    for batch in batches:
        table.add_row(
            str(batch.batch_id),
            batch.kind,
            str(batch.status),
            batch.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            f"{batch.item_count:,}",
            "" if batch.succeeded is None else f"{batch.succeeded:,}",
            "" if batch.failed is None else f"{batch.failed:,}",
        )
    return table
