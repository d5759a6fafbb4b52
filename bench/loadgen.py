"""A small HTTP/1.1 load generator: fixed concurrency, fixed duration, keep-alive connections.

    .venv/bin/python -m bench.loadgen URL [-H 'Name: value'] [-c 16] [-d 10] [-p 1]

Each of ``processes`` processes runs an event loop (uvloop when installed) holding its share of
``connections`` keep-alive connections; each connection sends the same request, reads the whole
response, and sends it again at once, as ``wrk`` does. Responses are parsed by hand (status
line, ``Content-Length``; a chunked response is refused): httpx spends more time per request
than the servers measured here, so it would measure itself. Only the responses completed inside
the measuring window count, after a warm-up during which the connections already run.

Every process reports the CPU time it used in the window, so a run can tell whether the
generator or the server was the limit (``cpu`` below: core-seconds per wall second). One process
is the default: against a bare asyncio server (bench/rawapp.py ``--bare``) it completed about
18,000 requests/s with 168 KB responses over 16 connections using under half a core; on a
2-core machine more processes only take CPU from the server measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import queue as queue_module
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# How long every process may take to start and open its connections on a busy machine.
START_SECONDS = 60
# After the window, a response still under way gets this long before its connection is closed.
DRAIN_SECONDS = 5
CONTENT_LENGTH = b"\r\ncontent-length:"


@dataclass
class Tally:
    """What one run (or one process of it) saw inside the measuring window."""

    seconds: float
    responses: int = 0
    errors: int = 0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    watched_cpu_seconds: float | None = None  # of the ``watch`` process of ``hammer``

    @property
    def rate(self) -> float:
        return self.responses / self.seconds

    @property
    def cpu(self) -> float:
        """Cores the generator used in the window."""
        return self.cpu_seconds / self.seconds

    @property
    def watched_cpu(self) -> float | None:
        """Cores the watched process (the server) used in the window."""
        if self.watched_cpu_seconds is None:
            return None
        return self.watched_cpu_seconds / self.seconds

    def percentile_ms(self, rank: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(rank / 100 * (len(ordered) - 1)))] * 1000

    @classmethod
    def merge(cls, parts: Sequence[Tally]) -> Tally:
        return cls(
            seconds=max(part.seconds for part in parts),
            responses=sum(part.responses for part in parts),
            errors=sum(part.errors for part in parts),
            cpu_seconds=sum(part.cpu_seconds for part in parts),
            latencies=[value for part in parts for value in part.latencies],
            problems=[problem for part in parts for problem in part.problems],
        )


def build_request(url: str, headers: Sequence[tuple[str, str]] = ()) -> tuple[str, int, bytes]:
    """(host, port, the bytes of a keep-alive GET of ``url``)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"an http:// URL is needed, not {url!r}")
    port = parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.hostname}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return parts.hostname, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending ``request`` again as soon as each response ends."""

    def __init__(
        self, request: bytes, tally: Tally, window: list[float], idle: asyncio.Future[None]
    ) -> None:
        self.request = request
        self.tally = tally
        self.window = window  # [start, end], set when the run begins
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport subclasses
        self.pending_head = b""
        self.is_in_body = False
        self.body_left = 0
        self.status = b""
        self.sent_at = 0.0
        self.is_running = False
        self.idle = idle  # done once stopped and no response is under way

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self.is_running:
            self.tally.errors += 1
            self.tally.problems.append(f"connection closed by the server: {exc!r}")
            self.is_running = False
        if not self.idle.done():
            self.idle.set_result(None)

    def start(self) -> None:
        self.is_running = True
        self._send()

    def stop(self) -> None:
        """Send no more; ``idle`` is done once the response under way has ended."""
        self.is_running = False

    def _send(self) -> None:
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.pending_head:
            data, self.pending_head = self.pending_head + data, b""
        position, size = 0, len(data)
        while position < size:
            if self.is_in_body:
                taken = min(self.body_left, size - position)
                self.body_left -= taken
                position += taken
                if self.body_left:
                    return
                self._complete()
                continue
            end = data.find(b"\r\n\r\n", position)
            if end < 0:
                self.pending_head = data[position:]
                return
            self._read_head(data[position:end])
            position = end + 4
            if self.transport.is_closing():
                return
            if not self.body_left:
                self._complete()

    def _read_head(self, head: bytes) -> None:
        self.status = head[9:12]
        lowered = head.lower()
        start = lowered.find(CONTENT_LENGTH)
        if start < 0:
            self._give_up("a response without Content-Length (chunked?): not supported")
            return
        start += len(CONTENT_LENGTH)
        end = lowered.find(b"\r\n", start)
        self.body_left = int(lowered[start : end if end >= 0 else len(lowered)])
        self.is_in_body = True

    def _give_up(self, problem: str) -> None:
        self.tally.problems.append(problem)
        self.tally.errors += 1
        self.is_running = False
        self.transport.close()

    def _complete(self) -> None:
        self.is_in_body = False
        now = time.perf_counter()
        if self.window[0] <= now < self.window[1]:
            self.tally.responses += 1
            self.tally.latencies.append(now - self.sent_at)
            if self.status != b"200":
                self.tally.errors += 1
                if len(self.tally.problems) < 5:
                    self.tally.problems.append(f"status {self.status.decode()}")
        if self.is_running:
            self._send()
        elif not self.idle.done():
            self.idle.set_result(None)


async def drive(
    host: str,
    port: int,
    request: bytes,
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
    when_connected: Callable[[], None] = lambda: None,
) -> Tally:
    """Run ``connections`` connections for ``warmup + seconds``; count the last ``seconds``.

    ``when_connected`` runs once every connection is open, before the first request (the
    processes of a run wait there for each other)."""
    loop = asyncio.get_running_loop()
    tally = Tally(seconds=seconds)
    window = [float("inf"), float("inf")]
    opened: list[_Connection] = []
    for _ in range(connections):
        connection = _Connection(request, tally, window, loop.create_future())
        await loop.create_connection(lambda c=connection: c, host, port)
        opened.append(connection)
    when_connected()
    started = time.perf_counter()
    window[:] = [started + warmup, started + warmup + seconds]
    for connection in opened:
        connection.start()
    await asyncio.sleep(warmup)
    cpu_at_start = time.process_time()
    await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
    tally.cpu_seconds = time.process_time() - cpu_at_start
    for connection in opened:
        connection.stop()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(c.idle for c in opened)), DRAIN_SECONDS)
    for connection in opened:
        connection.transport.close()
    return tally


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _process(
    host: str,
    port: int,
    request: bytes,
    connections: int,
    seconds: float,
    warmup: float,
    ready: multiprocessing.queues.Queue[str],
    go: multiprocessing.synchronize.Event,
    results: multiprocessing.queues.Queue[Tally],
) -> None:
    def wait_for_the_others() -> None:
        ready.put("connected")
        go.wait(START_SECONDS)

    with asyncio.Runner(loop_factory=_new_loop) as runner:
        tally = runner.run(
            drive(
                host,
                port,
                request,
                connections=connections,
                seconds=seconds,
                warmup=warmup,
                when_connected=wait_for_the_others,
            )
        )
    results.put(tally)


def hammer(
    host: str,
    port: int,
    request: bytes,
    *,
    connections: int = 16,
    processes: int = 1,
    seconds: float = 10.0,
    warmup: float = 1.0,
    watch: int | None = None,
) -> Tally:
    """``drive`` in ``processes`` processes sharing ``connections``, started together; with
    ``watch`` (a process id), the CPU time that process used in the window is recorded too."""
    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.queues.Queue[str] = context.Queue()
    results: multiprocessing.queues.Queue[Tally] = context.Queue()
    go = context.Event()
    shares = [connections // processes + (n < connections % processes) for n in range(processes)]
    workers = [
        context.Process(
            target=_process,
            args=(host, port, request, share, seconds, warmup, ready, go, results),
            daemon=True,
        )
        for share in shares
        if share
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            _get(ready, workers, START_SECONDS)
        go.set()
        watched = _watch(watch, warmup, seconds)
        parts = [_get(results, workers, warmup + seconds + DRAIN_SECONDS + 30) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
    tally = Tally.merge(parts)
    tally.watched_cpu_seconds = watched
    return tally


def _watch(pid: int | None, warmup: float, seconds: float) -> float | None:
    """CPU seconds ``pid`` uses from ``warmup`` to ``warmup + seconds`` from now."""
    if pid is None:
        return None
    time.sleep(warmup)
    before = process_cpu_seconds(pid)
    time.sleep(seconds)
    after = process_cpu_seconds(pid)
    return None if before is None or after is None else after - before


def _get(queue: multiprocessing.queues.Queue[Any], workers: Sequence[Any], timeout: float) -> Any:
    """The next item of ``queue``; fails as soon as a worker has died instead of waiting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(queue_module.Empty):
            return queue.get(timeout=0.2)
        if any(worker.exitcode not in (None, 0) for worker in workers):
            raise RuntimeError("a load generator process failed (its traceback is above)")
    raise RuntimeError(f"the load generator processes did not report within {timeout:g} s")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("-c", "--connections", type=int, default=16)
    parser.add_argument("-d", "--seconds", type=float, default=10.0)
    parser.add_argument("-p", "--processes", type=int, default=1)
    options = parser.parse_args()
    headers = [
        (name.strip(), value.strip()) for name, value in (h.split(":", 1) for h in options.header)
    ]
    host, port, request = build_request(options.url, headers)
    tally = hammer(
        host,
        port,
        request,
        connections=options.connections,
        processes=options.processes,
        seconds=options.seconds,
    )
    print(
        f"{tally.rate:,.0f} req/s  ({tally.responses:,} in {tally.seconds:g} s, "
        f"{tally.errors} errors)  p50 {tally.percentile_ms(50):.2f} ms  "
        f"p99 {tally.percentile_ms(99):.2f} ms  generator cpu {tally.cpu:.2f}"
    )
    for problem in tally.problems[:5]:
        print("  " + problem)


if __name__ == "__main__":
    main()
