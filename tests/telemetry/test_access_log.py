"""The access log written straight to the service's handler is, byte for byte, what ``logging``
writes through the same formatter; anything else listening gets the record through ``logging``."""

from __future__ import annotations

import io
import logging
import time
import uuid
from datetime import UTC, datetime

import pytest

from sellers_center.http.telemetry import fresh_request_id
from sellers_center.telemetry.access import AccessLog, Clock, Fields
from sellers_center.telemetry.logs import REQUEST_ID, JsonFormatter, TextFormatter

# 2026-01-01T00:00:00Z and fractions of a second where rounding or truncation could differ.
SECOND = 1767225600
FRACTIONS = (0.0, 0.25, 0.0005, 0.0015, 0.999, 0.9994999, 0.9995, 0.9999995, 0.9999996)
FIELDS: list[Fields] = [
    ("GET", "/api/v1/results/products", "/api/v1/results/{kind}", 200, 0.31),
    # The route is the path: the text line does not repeat it.
    ("GET", "/api/v1/brands", "/api/v1/brands", 401, 12.0),
    ("POST", '/a "quoted" \\ path', "unmatched", 404, 0.0),
    ("GET", "/caf\u00e9/\u65e5\u672c/\x00\x1f\u2028", "unmatched", 404, 1234.56),
    # A decoded path may show the duration: the text line then leaves it out too.
    ("GET", "/x 0.5", "unmatched", 404, 0.5),
]
FORMATTERS = [JsonFormatter, TextFormatter]


class ThroughLogging(logging.StreamHandler[io.StringIO]):
    """A stream handler the access log does not recognise: records reach it through logging."""


def isolated_logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"sellers_center.access.test-{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``time.time()`` answers the last value of the list (records and the access log read it)."""
    moments = [float(SECOND)]
    monkeypatch.setattr(time, "time", lambda: moments[-1])
    monkeypatch.setattr(time, "time_ns", lambda: int(moments[-1] * 1e9))
    return moments


def written(
    logger: logging.Logger, formatter: type[logging.Formatter], handler_type: type, fields: Fields
) -> str:
    """What the access log of ``fields`` writes to ``logger``, through one ``handler_type``."""
    stream = io.StringIO()
    handler = handler_type(stream)
    handler.setFormatter(formatter())
    logger.handlers = [handler]
    AccessLog(logger).write(*fields)
    return stream.getvalue()


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["json", "text"])
@pytest.mark.parametrize("request_id", ["req-7", None], ids=["request-id", "no-request-id"])
def test_the_direct_line_is_the_formatters_line(
    frozen: list[float], formatter: type[logging.Formatter], request_id: str | None
) -> None:
    logger = isolated_logger(logging.NullHandler())
    direct, through = [], []
    token = REQUEST_ID.set(request_id)
    try:
        for fraction in FRACTIONS:
            frozen.append(SECOND + 3600 * 7 + fraction)
            for fields in FIELDS:
                direct.append(written(logger, formatter, logging.StreamHandler, fields))
                through.append(written(logger, formatter, ThroughLogging, fields))
    finally:
        REQUEST_ID.reset(token)

    assert direct == through
    assert [line.count("\n") for line in direct] == [1] * len(FRACTIONS) * len(FIELDS)


def test_the_direct_json_line_carries_every_field(frozen: list[float]) -> None:
    frozen.append(SECOND + 0.9999996)
    token = REQUEST_ID.set("req-7")
    try:
        logger = isolated_logger(logging.NullHandler())
        line = written(logger, JsonFormatter, logging.StreamHandler, FIELDS[0])
    finally:
        REQUEST_ID.reset(token)

    assert line.endswith("\n")
    assert line.split(", ")[:5] == [
        '{"time": "2026-01-01T00:00:01.000+00:00"',
        '"level": "INFO"',
        f'"logger": "{logger.name}"',
        '"message": "GET /api/v1/results/products 200"',
        '"request_id": "req-7"',
    ]
    assert line.split(", ")[5:] == [
        '"method": "GET"',
        '"path": "/api/v1/results/products"',
        '"route": "/api/v1/results/{kind}"',
        '"status": 200',
        '"duration_ms": 0.31}\n',
    ]


def test_the_clock_formats_as_datetime_and_logging_do() -> None:
    clock = Clock()
    formatter = logging.Formatter()
    moments = [SECOND + n + fraction for n in range(3) for fraction in FRACTIONS]
    moments += [SECOND + n / 997 for n in range(3000)]

    utc = [clock.iso_utc(moment) for moment in moments]
    local = [clock.local(moment) for moment in moments]

    assert utc == [
        datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds") for moment in moments
    ]
    records = [logging.makeLogRecord({"created": m, "msecs": msecs(m)}) for m in moments]
    assert local == [formatter.formatTime(record) for record in records]


def msecs(created: float) -> float:
    """``LogRecord.msecs`` of a record made at ``created`` (Python 3.11's formula)."""
    return int((created - int(created)) * 1000) + 0.0


def test_only_a_sole_plain_stream_handler_without_filters_is_written_to_directly() -> None:
    plain = logging.StreamHandler(io.StringIO())
    alone = isolated_logger(plain)
    with_filter = isolated_logger(logging.StreamHandler(io.StringIO()))
    with_filter.handlers[0].addFilter(lambda record: True)
    logger_filter = isolated_logger(logging.StreamHandler(io.StringIO()))
    logger_filter.addFilter(lambda record: True)
    two = isolated_logger(logging.StreamHandler(io.StringIO()))
    two.addHandler(logging.StreamHandler(io.StringIO()))
    quiet_second = isolated_logger(plain)
    quiet_second.addHandler(logging.StreamHandler(io.StringIO()))
    quiet_second.handlers[1].setLevel(logging.WARNING)
    subclass = isolated_logger(ThroughLogging(io.StringIO()))
    child = logging.getLogger(f"{alone.name}.child")

    found = [
        AccessLog(logger).sole_handler()
        for logger in (alone, with_filter, logger_filter, two, quiet_second, subclass, child)
    ]

    assert found == [plain, None, None, None, plain, None, plain]


def test_a_fresh_request_id_is_a_version_4_uuid_in_hex() -> None:
    ids = [fresh_request_id() for _ in range(1000)]

    parsed = [uuid.UUID(hex=value) for value in ids]
    assert [value.hex for value in parsed] == ids
    assert {(value.version, value.variant) for value in parsed} == {(4, uuid.RFC_4122)}
    assert len(set(ids)) == 1000
