"""Metrics shared by the processes of one ``serve``, set up before any of them makes a metric.

This module imports no metrics library: ``serve`` enters ``metrics_shared_between_processes``
before anything imports ``telemetry/metrics.py``, because prometheus_client chooses where a
process keeps its values (in memory, or in the shared folder's files) when it is imported.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_shared_between_processes(enabled: bool) -> Iterator[None]:
    """Around starting several processes (API processes, the worker process): point them all
    at one folder of metric files, emptied first, so /metrics on any API process reports all
    of them. An operator's
    PROMETHEUS_MULTIPROC_DIR is kept; otherwise a temporary folder is made and removed after."""
    if not enabled:
        yield
        return
    given = os.environ.get(MULTIPROCESS_DIRECTORY)
    folder = given or tempfile.mkdtemp(prefix="sellers-center-metrics-")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
    os.environ[MULTIPROCESS_DIRECTORY] = folder
    try:
        yield
    finally:
        if not given:
            os.environ.pop(MULTIPROCESS_DIRECTORY, None)
            shutil.rmtree(folder, ignore_errors=True)
