"""``serve``'s workers: processes of their own beside the API processes.

Applying a batch is CPU work (validation, rules, SQL); in the API process it took the event loop
that also answers requests, so one core did everything while the other idled. ``serve`` starts
``EMBEDDED_WORKER_PROCESSES`` worker processes, before the API, and stops them after it, with
the same settings; each is started again if it dies, and they stop with ``serve`` however
``serve`` ends (``end_with_parent``). Each runs in a session of its own, so that signals sent to
``serve``'s process group (Ctrl-C in a terminal, ``kill -TERM -PGID``, systemd's default kill
mode) reach ``serve`` alone, which stops the workers once, after the API: a second signal would
make them give their batches back instead of finishing them. On SQLite the API processes wake
one of them in turn with a datagram per accepted batch (``engine/wakeup.py``); on PostgreSQL the
database's notifications do.

Two by default: on SQLite the writers take turns on the database's one write lock, and a single
worker process left it idle while it parsed and checked its next batch (measured with 8 clients
on a 2-core machine: 1,281-1,361 items/s with one, 1,556-1,580 with two).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from sellers_center.engine.wakeup import SOCKET_VARIABLE

if TYPE_CHECKING:
    from sellers_center.runtime import Runtime
    from sellers_center.settings import Settings

log = logging.getLogger(__name__)

RESTART_MIN_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
# A worker process that ran this long before dying is restarted at once, not after a delay
# grown by earlier failures.
HEALTHY_RUN_SECONDS = 60.0
# After its shutdown grace period, a worker process gets this long to give batches back.
STOP_MARGIN_SECONDS = 10.0
# serve waits this long at most for its worker processes to be ready before it serves.
READY_SECONDS = 60.0


class WorkerStartError(RuntimeError):
    """The first worker process ended before it was ready."""


@contextlib.contextmanager
def worker_processes(settings: Settings) -> Iterator[list[WorkerProcess]]:
    """Around serving: ``EMBEDDED_WORKER_PROCESSES`` worker processes running; on SQLite each
    listens on a socket of its own, and the API processes started inside the block are told
    them all, to wake them. While they stop, a SIGTERM to ``serve`` is passed on to them: a
    second request to stop gives their batches back at once."""
    count = settings.embedded_worker_processes
    folder = tempfile.mkdtemp(prefix="sellers-center-worker-") if settings.is_sqlite else None
    paths = [None if folder is None else str(Path(folder) / f"wakeup-{n}") for n in range(count)]
    saved = os.environ.get(SOCKET_VARIABLE)
    stop_seconds = settings.shutdown_grace_seconds + STOP_MARGIN_SECONDS
    processes = [WorkerProcess(path, stop_seconds) for path in paths]
    try:
        if folder is not None:
            os.environ[SOCKET_VARIABLE] = os.pathsep.join(str(path) for path in paths)
        readies = []
        try:
            for process in processes:
                readies.append(process.launch())
            deadline = time.monotonic() + READY_SECONDS  # for all: they start side by side
            for process, ready in zip(processes, readies, strict=True):
                process.wait_ready(ready, max(0.0, deadline - time.monotonic()))
        finally:
            for ready in readies:
                ready.close()
        yield processes
    finally:

        def pass_on(*_: object) -> None:
            for process in processes:
                process.signal(signal.SIGTERM)

        previous = signal.signal(signal.SIGTERM, pass_on)
        try:
            # All are told at once, so that they finish their batches side by side.
            for process in processes:
                process.ask_to_stop()
            for process in processes:
                process.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
            if saved is None:
                os.environ.pop(SOCKET_VARIABLE, None)
            else:
                os.environ[SOCKET_VARIABLE] = saved
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


class WorkerProcess:
    """The child process running the worker, watched by a thread that starts it again when
    it ends unasked."""

    def __init__(
        self,
        socket_path: str | None,
        stop_seconds: float,
        target: Callable[[str | None, Connection], None] | None = None,
    ) -> None:
        self.socket_path = socket_path
        self.stop_seconds = stop_seconds
        self.target = target or run_worker_process
        """What the process runs: the worker (another function in tests)."""
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start the process and wait until it is ready to claim, so that the API never
        answers as healthy while nothing would apply its batches (raises WorkerStartError)."""
        self.wait_ready(self.launch(), READY_SECONDS)

    def wait_ready(self, ready: Connection, seconds: float) -> None:
        """Wait until the launched process is ready, ``seconds`` at most (raises
        WorkerStartError when it ended first), then watch it."""
        try:
            process = self._process
            assert process is not None
            multiprocessing.connection.wait([ready, process.sentinel], seconds)
            told = _told_ready(ready)
            if told is False or (told is None and not process.is_alive()):
                process.join(READY_SECONDS)
                raise WorkerStartError(
                    f"the worker process ended while starting (exit code {process.exitcode})"
                )
            if told is None:
                log.warning("the worker process is not ready after %g s; serving", READY_SECONDS)
        finally:
            ready.close()
        self._watcher = threading.Thread(target=self._watch, name="worker-watcher", daemon=True)
        self._watcher.start()

    def ask_to_stop(self) -> None:
        """SIGTERM, once: the worker finishes the batches in hand within its shutdown grace
        period and gives back the rest."""
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
        self.signal(signal.SIGTERM)

    def stop(self) -> None:
        """``ask_to_stop``, then wait until it ended; killed if it has not ended well after its
        grace period."""
        self.ask_to_stop()
        process = self._process
        if process is None:
            return
        process.join(self.stop_seconds)
        if process.is_alive():
            log.error("the worker process did not stop in %g s; killing it", self.stop_seconds)
            process.kill()
            process.join()
        if self._watcher is not None:
            self._watcher.join()

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the process, if it runs."""
        process = self._process
        if process is not None and process.pid is not None and process.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signum)

    def launch(self) -> Connection:
        """Start a worker process; returns the end of a pipe it writes to once it is ready, for
        ``wait_ready`` (several are launched first, so that they start side by side)."""
        ready, tell_ready = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=self.target,
            args=(self.socket_path, tell_ready),
            name="sellers-center-worker",
        )
        try:
            process.start()
        except BaseException:
            ready.close()
            raise
        finally:
            tell_ready.close()
        self._process = process
        log.info("Started worker process [%s]", process.pid)
        return ready

    def _watch(self) -> None:
        """Start the process again when it ends unasked, after a delay that grows while it
        keeps failing. Only this thread reaps it before ``stop`` is called, only ``stop``
        after."""
        delay = RESTART_MIN_SECONDS
        while True:
            process = self._process
            assert process is not None
            started = time.monotonic()
            multiprocessing.connection.wait([process.sentinel])
            with self._lock:
                if self._stopping.is_set():
                    return
                process.join()
            if process.exitcode == 0:
                # It stops with 0 only when told to, by someone other than serve (systemd's
                # default kill mode signals every process of the service at once).
                log.warning("the worker process was stopped (exit code 0); not starting another")
                return
            if time.monotonic() - started >= HEALTHY_RUN_SECONDS:
                delay = RESTART_MIN_SECONDS
            log.error(
                "the worker process ended unasked (exit code %s); starting another in %g s",
                process.exitcode,
                delay,
            )
            while not self._stopping.wait(delay):
                delay = min(delay * 2, RESTART_MAX_SECONDS)
                with self._lock:
                    if self._stopping.is_set():
                        return
                    try:
                        self.launch().close()  # claims as soon as it can; nothing waits
                        break
                    except Exception:
                        log.exception("starting the worker process failed; trying in %g s", delay)
            else:
                return


def _told_ready(ready: Connection) -> bool | None:
    """True once the process wrote that it is ready; False when it closed the pipe without
    (it is ending: its end of the pipe closes before its sentinel says so); None meanwhile."""
    if not ready.poll():
        return None
    try:
        ready.recv_bytes()
    except EOFError:
        return False
    return True


def run_worker_process(socket_path: str | None, ready: Connection) -> None:
    """The worker process's entry point: the ``worker`` command's loop in a session of its own,
    telling ``serve`` on ``ready`` once it claims."""
    from sellers_center.runtime import end_with_parent

    os.setsid()
    end_with_parent()

    def tell_ready() -> None:
        with contextlib.suppress(OSError):  # serve stopped waiting
            ready.send_bytes(b"ready")
        ready.close()

    run_worker(wakeup_socket=socket_path, on_ready=tell_ready)


def run_worker(
    *,
    migrate: bool = False,
    concurrency: int | None = None,
    wakeup_socket: str | None = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """A worker until SIGTERM or SIGINT (a second one gives its batches back at once), with
    the settings of the environment: the ``worker`` command and ``serve``'s worker process.
    A settings or database error ends it with one line and status 1, no traceback."""
    import click

    # Before logging is configured: alembic logs its plugins at INFO as it is imported.
    import sellers_center.db.migrate  # noqa: F401
    from sellers_center.cli.command import load_settings, run_in_runtime
    from sellers_center.engine.shutdown import run_until_signalled
    from sellers_center.runtime import tune_garbage_collector
    from sellers_center.telemetry.logs import configure_logging

    async def work(runtime: Runtime) -> None:
        tune_garbage_collector()
        worker = runtime.worker(wakeup_socket=wakeup_socket)
        if on_ready is not None:
            on_ready()  # its first claim comes at once, and finds what came before
        await run_until_signalled(worker)

    try:
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)
        if concurrency is not None:
            settings = settings.model_copy(update={"worker_concurrency": concurrency})
        run_in_runtime(work, settings=settings, migrate=migrate)
    except click.exceptions.Exit as stop:  # raised by ``fail``, after its line
        sys.exit(stop.exit_code)
