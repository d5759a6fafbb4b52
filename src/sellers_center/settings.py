"""The one place that reads the environment (prefix ``SELLERS_CENTER_``)."""

from __future__ import annotations

from pathlib import Path

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
        description="Redis for shared rate limits; unset keeps them in memory.",
    )
    sandbox: bool = Field(default=False, description="Approve published styles automatically.")

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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
