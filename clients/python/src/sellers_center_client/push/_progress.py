"""How a push shows its progress: rich bars on a terminal, plain lines otherwise (a log, CI)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sellers_center_client.push._state import PushPlan

# Plain lines: at most one per this many seconds, and one at the end.
PLAIN_LINE_SECONDS = 2.0


class RateColumn(ProgressColumn):
    """Items per second over rich's recent window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed or 0:,.0f} items/s", style="progress.data.speed")


class BarProgress:
    """Two bars: items sent (accepted by the service) and items final, with the failed count."""

    def __init__(self, console: Console, *, wait: bool) -> None:
        self.wait = wait
        self.bars = Progress(
            TextColumn("{task.description:>5}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}", style="red"),
            RateColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._sent: TaskID | None = None
        self._final: TaskID | None = None
        self._failed = 0

    def begin(self, plan: PushPlan, sent: int, final: int, failed: int) -> None:
        self._failed = failed
        self._sent = self.bars.add_task("sent", total=plan.items, completed=sent, failed="")
        if self.wait:
            self._final = self.bars.add_task(
                "final", total=plan.items, completed=final, failed=_failed(failed)
            )
        self.bars.start()

    def sent(self, items: int) -> None:
        assert self._sent is not None
        self.bars.advance(self._sent, items)

    def finished(self, items: int, failed: int) -> None:
        self._failed += failed
        if self._final is not None:
            self.bars.update(self._final, advance=items, failed=_failed(self._failed))

    def end(self) -> None:
        self.bars.stop()


def _failed(count: int) -> str:
    return f"{count:,} failed" if count else ""


class LineProgress:
    """A line now and then: items sent and final, failures, the rate to final."""

    def __init__(
        self, console: Console, *, wait: bool, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.console = console
        self.wait = wait
        self.monotonic = monotonic
        self.total = self.sent_items = self.final_items = self.failed_items = 0
        self._started = self._last_line = 0.0
        self._final_at_start = 0
        self._shown: tuple[int, int, int] | None = None

    def begin(self, plan: PushPlan, sent: int, final: int, failed: int) -> None:
        self.total, self.sent_items, self.final_items, self.failed_items = (
            plan.items,
            sent,
            final,
            failed,
        )
        self._final_at_start = final
        self._started = self._last_line = self.monotonic()

    def sent(self, items: int) -> None:
        self.sent_items += items
        self._maybe_line()

    def finished(self, items: int, failed: int) -> None:
        self.final_items += items
        self.failed_items += failed
        self._maybe_line()

    def end(self) -> None:
        if self._counts() != self._shown:
            self._line()

    def _counts(self) -> tuple[int, int, int]:
        return self.sent_items, self.final_items, self.failed_items

    def _maybe_line(self) -> None:
        if self.monotonic() - self._last_line >= PLAIN_LINE_SECONDS:
            self._line()

    def _line(self) -> None:
        self._last_line = now = self.monotonic()
        self._shown = self._counts()
        text = f"sent {self.sent_items:,}/{self.total:,} items"
        if self.wait:
            elapsed = now - self._started
            rate = (self.final_items - self._final_at_start) / elapsed if elapsed > 0 else 0.0
            text += (
                f", final {self.final_items:,}/{self.total:,} ({self.failed_items:,} failed), "
                f"{rate:,.0f} items/s"
            )
        self.console.print(text, markup=False, highlight=False)


def progress_for(console: Console, *, wait: bool) -> BarProgress | LineProgress:
    """Bars on a terminal, lines elsewhere."""
    if console.is_terminal:
        return BarProgress(console, wait=wait)
    return LineProgress(console, wait=wait)
