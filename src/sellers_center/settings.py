"""The one place that reads the environment (prefix ``SELLERS_CENTER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_PATH = Path("var") / "sellers-center.db"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``SELLERS_CENTER_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SELLERS_CENTER_", extra="ignore")

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
        default=True, description="`serve` also processes batches in each API process."
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
    worker_concurrency: int = Field(default=4, ge=1, le=256)
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
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: for a terminal."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
