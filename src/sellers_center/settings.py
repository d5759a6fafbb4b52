"""The one place that reads the environment (prefix ``SELLERS_CENTER_``)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_PATH = Path("var") / "sellers-center.db"
ENV_PREFIX = "SELLERS_CENTER_"
# Variables under this prefix belong to the test suite (the PostgreSQL and Redis it tests
# against, see the README), not to the service: they are not settings and are not refused.
TEST_SUITE_PREFIX = f"{ENV_PREFIX}TEST_"
# Variables under this prefix belong to the client's commands (push, results, batches: the
# service's address and a seller's key), which may run beside the service.
CLIENT_PREFIX = f"{ENV_PREFIX}CLIENT_"
# How alike a misspelt name and a real one must be to suggest the real one (difflib's ratio).
SUGGESTION_CUTOFF = 0.6


class SettingsError(ValueError):
    """Settings the service refuses to start with; the message names the mistake."""


def unknown_names(what: str, unknown: Iterable[str], known: Iterable[str]) -> SettingsError:
    """ "unknown setting SELLERS_CENTER_SANBOX (did you mean SELLERS_CENTER_SANDBOX?)"."""
    candidates = sorted(known)
    named = []
    for name in sorted(unknown):
        guesses = difflib.get_close_matches(name, candidates, n=1, cutoff=SUGGESTION_CUTOFF)
        named.append(f"{name} (did you mean {guesses[0]}?)" if guesses else name)
    return SettingsError(f"{what}: {', '.join(named)}")


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``SELLERS_CENTER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///./{DEFAULT_DATABASE_PATH.as_posix()}",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis (redis://host:port/db) shared by every API process for exact rate limits; "
            "unset keeps the counters in each process's memory."
        ),
    )
    redis_timeout_seconds: float = Field(
        default=0.5,
        gt=0,
        description=(
            "A rate-limit call to Redis that takes longer fails; the request is then counted in "
            "the process's own memory (fail open to per-process limits)."
        ),
    )
    embedded_worker: bool = Field(
        default=True, description="`serve` runs worker processes beside its API processes."
    )
    embedded_worker_processes: int = Field(
        default=2,
        ge=1,
        le=64,
        description=(
            "How many worker processes `serve` runs. On SQLite they take turns writing; while "
            "one writes, another reads and checks its next batch."
        ),
    )
    sandbox: bool = Field(default=False, description="Approve published styles automatically.")
    demo_data: bool = Field(
        default=True,
        description=(
            "On an empty database, `serve` loads the demo catalogue and creates the seller "
            "`demo`, printing its key once; set false in production."
        ),
    )

    rate_limits_enabled: bool = Field(
        default=True, description="Switch rate limiting off, e.g. for benchmarks."
    )
    rate_limits: dict[str, int] = Field(
        default_factory=dict,
        description='Per-endpoint overrides in requests per minute, e.g. {"products.submit": 50}.',
    )

    result_retention_days: float = Field(default=30.0, gt=0)
    idempotency_key_hours: float = Field(
        default=24.0,
        gt=0,
        description="How long an Idempotency-Key answers with its batch (docs/api.md).",
    )
    worker_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description=(
            "Batches one worker process handles at once. Default: 1 on SQLite, whose writers "
            "take turns on one lock (a second claim loop in the same process ran its parsing "
            "inside the first one's turn and stretched it), 4 on PostgreSQL."
        ),
    )
    lease_seconds: float = Field(
        default=30.0, gt=0, description="How long a claim lasts unrenewed."
    )
    max_attempts: int = Field(default=5, ge=1, description="Claims of a batch before it fails.")
    retry_backoff_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Delay before a retried batch is claimable, doubled per try.",
    )
    worker_poll_seconds: float = Field(
        default=0.5, gt=0, description="Idle workers look for new batches this often."
    )
    maintenance_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description=(
            "How often a worker reclaims expired leases, activates approved styles and purges "
            "old results (indexed queries: cheap to run often)."
        ),
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Larger request bodies get 413."
    )
    statement_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="PostgreSQL cancels any statement running longer (SQLite has no equivalent).",
    )
    batch_time_budget_seconds: float = Field(
        default=120.0,
        gt=0,
        description=(
            "An attempt at a batch that takes longer is abandoned and the batch retried; after "
            "MAX_ATTEMPTS it is failed with the reason."
        ),
    )
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        description=(
            "On SIGTERM a worker stops claiming and finishes the batches it holds; those still "
            "running after this long are given back to the queue."
        ),
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A webhook delivery is a success when a 2xx arrives within this long.",
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=1024, description="Webhook requests one worker process makes at once."
    )
    webhook_poll_seconds: float = Field(
        default=0.2, gt=0, description="Idle workers look for webhook deliveries this often."
    )
    webhook_retry_hours: float = Field(
        default=48.0, gt=0, description="A delivery is retried for this long, then failed."
    )
    webhook_backoff_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait after a delivery's first failed attempt, doubled per attempt, jittered.",
    )
    webhook_disable_after_hours: float = Field(
        default=120.0,
        gt=0,
        description="A subscription whose deliveries have all failed for this long is disabled.",
    )
    webhook_secret_grace_hours: float = Field(
        default=24.0,
        ge=0,
        description="After a secret rotation the old secret also signs for this long.",
    )
    webhook_allowed_http_hosts: list[str] = Field(
        default_factory=list,
        description='Hosts a webhook may reach over plain http, JSON: ["hooks.internal"].',
    )
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Let webhooks reach private, loopback and link-local addresses.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: for a terminal."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    keep_alive_timeout_seconds: int = Field(
        default=75,
        ge=1,
        description=(
            "An idle HTTP connection is closed after this long. Longer than the idle timeout of "
            "common load balancers (60 s), so that they, not the service, end idle connections "
            "(uvicorn's own 5 s broke a client polling every 12 s)."
        ),
    )
    request_header_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description=(
            "A request line and its headers must arrive within this long of their first byte; "
            "otherwise the connection is closed."
        ),
    )
    request_body_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "A request body must have arrived within this long of its headers; otherwise the "
            "request gets 408 and the connection is closed."
        ),
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="A request line and headers larger than this get 431.",
    )
    process_healthcheck_timeout_seconds: int = Field(
        default=60,
        ge=1,
        description=(
            "With `serve --workers N`, an API process that does not answer its supervisor's "
            "health check within this long, start-up included, is replaced. uvicorn's own 5 s "
            "killed processes still starting on a loaded machine, over and over."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_variables(cls, values: Any) -> Any:
        """A misspelt variable would otherwise be ignored silently (SANBOX for SANDBOX)."""
        known = {f"{ENV_PREFIX}{name.upper()}" for name in cls.model_fields}
        unknown = [
            name
            for name in os.environ
            if name.upper().startswith(ENV_PREFIX)
            and not name.upper().startswith((TEST_SUITE_PREFIX, CLIENT_PREFIX))
            and name.upper() not in known
        ]
        if unknown:
            raise unknown_names("unknown setting", unknown, known)
        return values

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def claim_loops(self) -> int:
        """``WORKER_CONCURRENCY``, or its default for the database."""
        if self.worker_concurrency is not None:
            return self.worker_concurrency
        return 1 if self.is_sqlite else 4

    def check_rate_limit_buckets(self, buckets: Iterable[str]) -> None:
        """Refuse RATE_LIMITS naming a bucket no endpoint counts against (a typo would leave
        the endpoint at its default limit without a word)."""
        known = set(buckets)
        unknown = set(self.rate_limits) - known
        if unknown:
            error = unknown_names(f"{ENV_PREFIX}RATE_LIMITS names unknown buckets", unknown, known)
            raise SettingsError(f"{error}; the buckets are {', '.join(sorted(known))}")


def describe_invalid_settings(error: ValidationError) -> str:
    """Every problem of the settings on one line, each naming its variable."""
    problems = []
    for problem in error.errors(include_url=False):
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, SettingsError):
            problems.append(str(cause))
            continue
        if not problem["loc"]:
            problems.append(problem["msg"])
            continue
        field, *within = (str(part) for part in problem["loc"])
        where = f" ({'.'.join(within)})" if within else ""
        problems.append(f"{ENV_PREFIX}{field.upper()}{where}: {problem['msg']}")
    return "; ".join(problems)
