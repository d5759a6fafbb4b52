"""The seller's commands over the API: ``push``, ``results`` and ``batches``.

``sellers-center-client`` (this package's command) runs them; ``sellers-center`` offers the same
commands beside the operator's.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from sellers_center_client._batch import BatchStatus
from sellers_center_client._client import Client
from sellers_center_client._errors import SellersCenterError
from sellers_center_client._kind import kind_spec
from sellers_center_client.push._errors import BatchRefused, KeyExpired, PushError
from sellers_center_client.push._plan import plan_push
from sellers_center_client.push._progress import progress_for
from sellers_center_client.push._report import (
    FailureTable,
    batches_table,
    result_table,
    write_errors_csv,
)
from sellers_center_client.push._runner import Push
from sellers_center_client.push._source import SourceFormat, detect_format
from sellers_center_client.push._state import PushState

# The client's variables; the service's own settings are SELLERS_CENTER_* without CLIENT_.
BASE_URL_VARIABLE = "SELLERS_CENTER_CLIENT_BASE_URL"
API_KEY_VARIABLE = "SELLERS_CENTER_CLIENT_API_KEY"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
STATE_SUFFIX = ".push-state"
# Exit statuses of push besides 0 (everything applied) and 1 (stopped by an error).
SOME_ITEMS_FAILED = 3
INTERRUPTED = 130


class PushKind(StrEnum):
    PRODUCTS = "products"
    STATUS = "status"
    STOCKS = "stocks"
    PRICES = "prices"


class ResultKind(StrEnum):
    PRODUCTS = "products"
    STATUS = "status"
    STOCKS = "stocks"
    PRICES = "prices"
    SHIP_ORDERS = "ship-orders"
    CANCEL_ORDERS = "cancel-orders"
    RETURN_ORDERS = "return-orders"


BaseUrl = Annotated[
    str, typer.Option("--base-url", envvar=BASE_URL_VARIABLE, help="The service's address.")
]
ApiKey = Annotated[
    str,
    typer.Option(
        "--api-key", envvar=API_KEY_VARIABLE, help="The seller's API key.", show_default=False
    ),
]


def _fail(message: str) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def push_command(
    file: Annotated[
        Path, typer.Argument(help="JSON lines, a JSON array or CSV.", show_default=False)
    ],
    kind: Annotated[PushKind, typer.Option("--kind", help="What the items are.")],
    api_key: ApiKey,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    source_format: Annotated[
        SourceFormat | None,
        typer.Option("--format", help="The file's format; by default its suffix says."),
    ] = None,
    state: Annotated[
        Path | None, typer.Option("--state", help="The state file; by default FILE.push-state.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Poll until every batch is final.")] = False,
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", help="Write every item not applied as CSV.")
    ] = None,
    resend_expired_keys: Annotated[
        bool,
        typer.Option(
            "--resend-expired-keys",
            help="Send again a batch whose answer was lost more than 23 hours ago, though the "
            "service may have forgotten its key and store it twice.",
        ),
    ] = False,
) -> None:
    """Push a file of items in batches, resumably.

    The file is read once to check every item (a bad one stops the push, naming its line), then
    sent in batches of the kind's limit, each with an idempotency key recorded in the state file
    before it is sent. Run the same command again after a crash or Ctrl-C: nothing is sent twice.
    --wait polls until every batch is final, then shows the items not applied. Exit status: 0
    when every item was applied (or, without --wait, accepted), 3 when some were not, 1 on an
    error, 130 when interrupted."""
    spec = kind_spec(kind.value)
    progress_console = Console(stderr=True)
    console = Console()
    try:
        found_format = detect_format(file, source_format)
        plan = plan_push(file, spec, found_format)
        state_path = state or file.with_name(file.name + STATE_SUFFIX)
        push_state = PushState.open(state_path, plan)
    except PushError as error:
        _fail(str(error))
    except KeyboardInterrupt:  # while the file is read: nothing was sent
        _interrupted()
    try:
        with Client(base_url, api_key) as client:
            push = Push(
                client,
                spec,
                file,
                found_format,
                push_state,
                progress_for(progress_console, wait=wait),
                resend_expired_keys=resend_expired_keys,
            )
            push.run(wait=wait)
            _conclude(push, console, errors_out=errors_out)
    except KeyboardInterrupt:
        _interrupted()
    except (BatchRefused, KeyExpired) as error:
        _fail(str(error))
    except (SellersCenterError, PushError) as error:
        _fail(f"{error}; run the same command again to continue from {push_state.path}")
    finally:
        push_state.close()


def _interrupted() -> NoReturn:
    Console(stderr=True).print(
        "interrupted: run the same command again to continue (nothing is sent twice)"
    )
    raise typer.Exit(INTERRUPTED)


def _conclude(push: Push, console: Console, *, errors_out: Path | None) -> None:
    sent, final, failed = push.totals()
    plan = push.plan
    name = Path(plan.file).name
    if not push.is_final:
        console.print(
            escape(
                f"{name}: {sent:,} of {plan.items:,} items accepted in {plan.chunk_count:,} "
                f"batches, {final:,} final so far; add --wait to wait for the rest"
            ),
            highlight=False,
        )
        return
    table = FailureTable()
    failures = push.failures()
    for failure in write_errors_csv(errors_out, failures) if errors_out else failures:
        table.add(failure)
    console.print(
        escape(
            f"{name}: {plan.items:,} items in {plan.chunk_count:,} batches, all final: "
            f"{plan.items - failed:,} applied, {failed:,} not applied"
        ),
        highlight=False,
    )
    table.show(console, errors_out=errors_out)
    if errors_out:
        console.print(escape(f"Items not applied: {errors_out}"), highlight=False)
    if failed:
        raise typer.Exit(SOME_ITEMS_FAILED)


def results_command(
    batch_id: Annotated[str, typer.Argument(help="The batch's id.", show_default=False)],
    kind: Annotated[ResultKind, typer.Option("--kind", help="The batch's kind.")],
    api_key: ApiKey,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    only_failed: Annotated[
        bool, typer.Option("--only-failed", help="Only the items not applied.")
    ] = False,
) -> None:
    """Print a batch's outcome: its status and, once final, every item's."""
    console = Console()
    try:
        with Client(base_url, api_key) as client:
            result = client.results.get(kind.value, batch_id, only_failed=only_failed)
    except SellersCenterError as error:
        _fail(str(error))
    console.print(escape(f"Batch {result.batch_id} ({kind.value}): {result.status}"))
    if result.is_final:
        console.print(
            escape(f"{len(result.succeeded):,} applied, {len(result.failed):,} not applied")
            if not only_failed
            else escape(f"{len(result.items):,} not applied")
        )
        if result.items:
            console.print(result_table(result, only_failed=only_failed))


def batches_command(
    api_key: ApiKey,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    kind: Annotated[ResultKind | None, typer.Option("--kind", help="Only of this kind.")] = None,
    status: Annotated[
        list[BatchStatus] | None,
        typer.Option("--status", help="Only in this status (repeat for several)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 20,
) -> None:
    """List the seller's batches, newest first, with their counts."""
    try:
        with Client(base_url, api_key) as client:
            listed = client.batches.iter_all(
                kind=kind.value if kind else None, status=status or None, per_page=min(limit, 100)
            )
            batches = list(itertools.islice(listed, limit))
    except SellersCenterError as error:
        _fail(str(error))
    Console().print(batches_table(batches))


app = typer.Typer(
    help="The seller's side of Sellers Center: push files, read batches.", no_args_is_help=True
)
app.command("push")(push_command)
app.command("results")(results_command)
app.command("batches")(batches_command)


def main() -> None:
    app()
