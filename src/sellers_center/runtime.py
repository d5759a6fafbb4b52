"""The long-lived objects one process shares: settings, database, caches, limiter, kinds."""

from __future__ import annotations

import ctypes
import functools
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sellers_center.accounts.keycache import KEY_CACHE_SECONDS, KeyCache
from sellers_center.catalog.service import CatalogCache
from sellers_center.clock import Clock, SystemClock
from sellers_center.db import Database, UnitOfWork
from sellers_center.db.statistics import ChangedTables, PeriodicStatistics
from sellers_center.engine.kind import KindRegistry
from sellers_center.engine.maintenance import MaintenanceStep
from sellers_center.engine.result_cache import ResultCache
from sellers_center.engine.retry import RetryPolicy
from sellers_center.engine.wakeup import APPLICATION_NAME as LISTENER_APPLICATION_NAME
from sellers_center.engine.wakeup import DatagramListener, NotificationListener, Wakeup
from sellers_center.engine.worker import Worker, WorkerConfig, worker_name
from sellers_center.kinds import build_kinds
from sellers_center.lifecycle.service import activate_approved
from sellers_center.ratelimit import RateLimiter
from sellers_center.settings import Settings
from sellers_center.webhooks import service as webhooks
from sellers_center.webhooks.delivery import DeliveryConfig, Dispatcher
from sellers_center.webhooks.target import TargetPolicy

# A 100-item batch allocates tens of thousands of objects. With the default young-generation
# threshold (700) the collector kept making passes over the server's whole heap in the middle of
# validation; freezing the objects that live for the whole process and collecting the young
# generation less often removed that (numbers in bench/ingest.py's history and issue notes).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_garbage_collector() -> None:
    """Call once a process is set up: what exists now is never collected again."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# <linux/prctl.h>: ask the kernel to signal this process when its parent process dies.
PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    """In an API process of ``serve --workers N``, or ``serve``'s worker process: stop
    (SIGTERM, a graceful stop) when the supervising process dies, however it dies. A test run
    that killed the supervisor once left two API processes running for 20 minutes. Does
    nothing in a process that no ``multiprocessing`` parent started, and outside Linux."""
    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    if os.getppid() != parent.pid:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


KindsFactory = Callable[[CatalogCache, Settings], KindRegistry]


@dataclass
class Runtime:
    settings: Settings
    database: Database
    kinds: KindRegistry
    clock: Clock = field(default_factory=SystemClock)
    catalog: CatalogCache = field(default_factory=CatalogCache)
    wakeup: Wakeup = field(default_factory=Wakeup)
    rate_limiter: RateLimiter = field(init=False)
    unit: UnitOfWork = field(init=False)
    """Where handlers, commands and the worker get their sessions."""
    key_cache: KeyCache = field(init=False)
    result_cache: ResultCache = field(init=False)
    """Keys verified lately and final results, for the results read (``http/fastpath.py``)."""

    def __post_init__(self) -> None:
        self.rate_limiter = RateLimiter.from_settings(self.settings)
        self.unit = UnitOfWork(self.database)
        self.key_cache = KeyCache(timedelta(seconds=KEY_CACHE_SECONDS))
        self.result_cache = ResultCache(timedelta(days=self.settings.result_retention_days))

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        kinds: KindsFactory = build_kinds,
        *,
        wakeup: Wakeup | None = None,
    ) -> Runtime:
        """The runtime of one process; ``kinds`` builds the batch kinds it serves, ``wakeup``
        is what its submits notify (an in-process one by default)."""
        catalog = CatalogCache()
        database = Database.from_settings(settings)
        return cls(
            settings,
            database,
            kinds(catalog, settings),
            catalog=catalog,
            wakeup=wakeup or Wakeup(),
        )

    def worker(
        self, config: WorkerConfig | None = None, *, wakeup_socket: str | None = None
    ) -> Worker:
        """A worker (configured from the settings unless ``config`` is given); on PostgreSQL it
        is woken by notifications of new batches too, on SQLite by datagrams on
        ``wakeup_socket`` when one is given (``serve``'s worker process)."""
        listener: DatagramListener | NotificationListener | None = None
        if not self.database.is_sqlite:
            connect = functools.partial(
                self.database.connect_driver, application_name=LISTENER_APPLICATION_NAME
            )
            listener = NotificationListener(connect)
        elif wakeup_socket is not None:
            listener = DatagramListener(wakeup_socket)
        return Worker(
            self.database,
            self.kinds,
            config or self.worker_config(),
            self.clock,
            self.wakeup,
            maintenance=(activate_approved, self._purge_deliveries, *self._statistics()),
            listener=listener,
            companions=(self.dispatcher().run,),
        )

    async def _purge_deliveries(self, session: AsyncSession, now: datetime) -> int:
        retention = timedelta(days=self.settings.result_retention_days)
        return await webhooks.purge_finished(session, now, retention=retention)

    def dispatcher(self) -> Dispatcher:
        """What delivers webhooks in a worker process."""
        return Dispatcher(self.unit, self.clock, self.webhook_config(), worker_name())

    def webhook_config(self) -> DeliveryConfig:
        settings = self.settings
        policy = TargetPolicy(
            allow_plain_http=settings.sandbox,
            http_hosts=frozenset(host.lower() for host in settings.webhook_allowed_http_hosts),
            allow_private=settings.webhook_allow_private_targets,
        )
        return DeliveryConfig(
            concurrency=settings.webhook_concurrency,
            timeout_seconds=settings.webhook_timeout_seconds,
            poll_seconds=settings.webhook_poll_seconds,
            retry_window=timedelta(hours=settings.webhook_retry_hours),
            backoff_seconds=settings.webhook_backoff_seconds,
            disable_after=timedelta(hours=settings.webhook_disable_after_hours),
            policy=policy,
        )

    def _statistics(self) -> tuple[MaintenanceStep, ...]:
        """SQLite's planner statistics, gathered again periodically; PostgreSQL's autovacuum
        gathers its own, or the worker when it is off (db/statistics.py)."""
        return (PeriodicStatistics(),) if self.database.is_sqlite else (ChangedTables(),)

    def worker_config(self) -> WorkerConfig:
        settings = self.settings
        return WorkerConfig(
            concurrency=settings.claim_loops,
            lease_seconds=settings.lease_seconds,
            poll_seconds=settings.worker_poll_seconds,
            maintenance_seconds=settings.maintenance_interval_seconds,
            retention=timedelta(days=settings.result_retention_days),
            retry=RetryPolicy(settings.max_attempts, settings.retry_backoff_seconds),
            budget_seconds=settings.batch_time_budget_seconds,
            shutdown_grace_seconds=settings.shutdown_grace_seconds,
        )
