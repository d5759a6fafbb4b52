"""Pushing files of items in batches, resumably, and the seller's commands over the API.

``sellers-center-client push FILE --kind products --wait`` (and ``sellers-center push``, the same
command) reads a file of items, sends it in batches with idempotency keys recorded in a state file,
and resumes where it stopped when run again. The pieces are usable from Python too:

>>> spec = kind_spec("products")
>>> plan = plan_push(path, spec, SourceFormat.JSONL)
>>> state = PushState.open(path.with_name(path.name + ".push-state"), plan)
>>> with Client(base_url, api_key) as client:
...     push = Push(client, spec, path, SourceFormat.JSONL, state, LineProgress(console, wait=True))
...     push.run(wait=True)
...     failures = list(push.failures())
"""

from sellers_center_client.push._cli import (
    API_KEY_VARIABLE,
    BASE_URL_VARIABLE,
    app,
    batches_command,
    main,
    push_command,
    results_command,
)
from sellers_center_client.push._errors import BatchRefused, KeyExpired, PushError, SourceError
from sellers_center_client.push._plan import plan_push
from sellers_center_client.push._progress import BarProgress, LineProgress, progress_for
from sellers_center_client.push._runner import FailedItem, Push
from sellers_center_client.push._source import SourceFormat, SourceItem, read_items
from sellers_center_client.push._state import ChunkState, PushPlan, PushState

__all__ = [
    "API_KEY_VARIABLE",
    "BASE_URL_VARIABLE",
    "BarProgress",
    "BatchRefused",
    "ChunkState",
    "FailedItem",
    "KeyExpired",
    "LineProgress",
    "Push",
    "PushError",
    "PushPlan",
    "PushState",
    "SourceError",
    "SourceFormat",
    "SourceItem",
    "app",
    "batches_command",
    "main",
    "plan_push",
    "progress_for",
    "push_command",
    "read_items",
    "results_command",
]
