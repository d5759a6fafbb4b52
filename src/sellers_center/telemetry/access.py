"""The access log: one line per request, cheap enough to write on every one.

Through ``logging`` a line cost about 35 µs of a cached results read's 85 (profiled with
py-spy: the LogRecord and its caller lookup, a JSON encoder built per call, ``datetime``
formatting). When the line would reach exactly the handler ``logs.logging_config`` installs (one
stream handler with the service's formatter, no filters), it is formatted here, byte for byte
as that formatter formats it, and written to the handler's stream under the handler's lock.
Anything else listening (a test's capture handler, a filter, a second handler) gets the
``LogRecord`` as before.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) quotes with
from typing import Any

from sellers_center.telemetry.logs import REQUEST_ID, JsonFormatter, TextFormatter

ACCESS_LOGGER = "sellers_center.access"
LEVEL = logging.INFO
# The extra fields of an access record, in the order they are logged.
FIELDS = ("method", "path", "route", "status", "duration_ms")
Fields = tuple[str, str, str, int, float]


class Clock:
    """``time`` of the JSON formatter and ``asctime`` of the text one, for a ``time.time()``;
    the part down to the second is formatted once per second (kept with its second in one
    tuple, so a thread never reads one second's text with another's number)."""

    def __init__(self) -> None:
        self.utc: tuple[int, str] = (-1, "")
        self.localtime: tuple[int, str] = (-1, "")

    def iso_utc(self, created: float) -> str:
        """As ``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``:
        microseconds rounded half to even first, as ``fromtimestamp`` rounds them."""
        second = math.floor(created)
        microseconds = round((created - second) * 1e6)
        if microseconds == 1_000_000:
            second, microseconds = second + 1, 0
        kept_second, prefix = self.utc
        if second != kept_second:
            prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self.utc = (second, prefix)
        return f"{prefix}.{microseconds // 1000:03d}+00:00"

    def local(self, created: float) -> str:
        """As ``logging.Formatter.formatTime`` (local time, milliseconds after a comma)."""
        second = int(created)
        kept_second, prefix = self.localtime
        if second != kept_second:
            prefix = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(created))
            self.localtime = (second, prefix)
        return f"{prefix},{int((created - second) * 1000):03d}"


def json_line(
    clock: Clock, name: str, created: float, request_id: str | None, fields: Fields
) -> str:
    """What ``JsonFormatter`` writes for the access record of ``fields`` made by logger ``name``."""
    method, path, route, status, duration_ms = fields
    message = encode_basestring(f"{method} {path} {status}")
    given = "" if request_id is None else f', "request_id": {encode_basestring(request_id)}'
    return (
        f'{{"time": "{clock.iso_utc(created)}", "level": "INFO", '
        f'"logger": {encode_basestring(name)}, '
        f'"message": {message}{given}, "method": {encode_basestring(method)}, '
        f'"path": {encode_basestring(path)}, "route": {encode_basestring(route)}, '
        f'"status": {status!r}, "duration_ms": {duration_ms!r}}}'
    )


def text_line(
    clock: Clock, name: str, created: float, request_id: str | None, fields: Fields
) -> str:
    """What ``TextFormatter`` writes for the access record of ``fields``: the extra fields the
    message does not already show."""
    method, path, _, status, _ = fields
    message = f"{method} {path} {status}"
    line = f"{clock.local(created)} INFO {name} {message}"
    padded = f" {message} "
    shown = [
        f"{field}={value}"
        for field, value in zip(FIELDS, fields, strict=True)
        if f" {value}" not in padded
    ]
    if request_id is not None:
        shown.insert(0, f"request_id={request_id}")
    return f"{line} {' '.join(shown)}" if shown else line


LINES = {JsonFormatter: json_line, TextFormatter: text_line}


def plain(status: int, duration_ms: float) -> bool:
    """Whether the values are formatted here as ``json`` and ``str`` format them (an int
    subclass such as ``HTTPStatus`` is left to the formatter)."""
    return type(status) is int and type(duration_ms) is float


class AccessLog:
    """Writes the access line of a request to ``logger``."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.clock = Clock()

    def write(self, method: str, path: str, route: str, status: int, duration_ms: float) -> None:
        logger = self.logger
        if not logger.isEnabledFor(LEVEL):
            return
        fields = (method, path, route, status, duration_ms)
        handler = self.sole_handler()
        format_line = None if handler is None else LINES.get(type(handler.formatter))
        if handler is None or format_line is None or not plain(status, duration_ms):
            self.through_logging(fields)
            return
        line = format_line(self.clock, logger.name, time.time(), REQUEST_ID.get(), fields)
        handler.acquire()  # Handler.handle and StreamHandler.emit, without the record
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
        except RecursionError:
            raise
        except Exception:
            handler.handleError(self.record(fields))
        finally:
            handler.release()

    def sole_handler(self) -> logging.StreamHandler[Any] | None:
        """The one handler an INFO record of the logger would reach, if it is a plain stream
        handler without filters, and the logger has no filters (``Logger.callHandlers``)."""
        logger: logging.Logger | None = self.logger
        if self.logger.disabled or self.logger.filters:
            return None
        found = None
        while logger is not None:
            for handler in logger.handlers:
                if handler.level > LEVEL:
                    continue
                if found is not None or type(handler) is not logging.StreamHandler:
                    return None
                found = handler
            logger = logger.parent if logger.propagate else None
        if found is None or found.filters:
            return None
        return found

    def through_logging(self, fields: Fields) -> None:
        method, path, _, status, _ = fields
        extra = dict(zip(FIELDS, fields, strict=True))
        self.logger.info("%s %s %s", method, path, status, extra=extra)

    def record(self, fields: Fields) -> logging.LogRecord:
        """The record ``logging`` would have made, for reporting a failed write."""
        method, path, _, status, _ = fields
        extra = dict(zip(FIELDS, fields, strict=True))
        return self.logger.makeRecord(
            self.logger.name, LEVEL, __file__, 0, "%s %s %s", (method, path, status), None,
            extra=extra,
        )  # fmt: skip
