"""Before anything is sent: read the whole file once, checking every item against its kind's
model, counting the items and taking the file's fingerprint. A bad item anywhere stops the push
before its first batch, naming the line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sellers_center_client._base import REJECT_UNKNOWN_FIELDS
from sellers_center_client._kind import KindSpec
from sellers_center_client.push._errors import PushError, SourceError
from sellers_center_client.push._source import (
    READ_SIZE,
    HashingReader,
    SourceFormat,
    SourceItem,
    items_of,
)
from sellers_center_client.push._state import PushPlan


def plan_push(path: Path, spec: KindSpec[Any], source_format: SourceFormat) -> PushPlan:
    """The plan of pushing ``path`` as ``spec``'s kind; raises SourceError at a bad item."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise PushError(f"cannot read {path}: {error.strerror}") from None
    with raw:
        hashing = HashingReader(raw)
        buffered = io.BufferedReader(hashing)
        items = 0
        for item in items_of(buffered, path, source_format):
            check_item(spec, item, path)
            items = item.number
        while buffered.read(READ_SIZE):  # what follows the last item counts in the fingerprint
            pass
        reader = hashing
    if items == 0:
        raise PushError(f"{path} holds no items")
    return PushPlan(
        file=str(path),
        size=reader.size,
        sha256=reader.digest.hexdigest(),
        kind=spec.name,
        items=items,
        chunk_size=spec.max_items,
    )


def check_item(spec: KindSpec[Any], item: SourceItem, path: Path) -> None:
    """The item as its kind's model would take it, else SourceError naming the first problem."""
    try:
        spec.item_model.model_validate(item.fields, context={REJECT_UNKNOWN_FIELDS: True})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        reason = f"{where}: {first['msg']}" if where else first["msg"]
        raise SourceError(path, item.line, f"not a valid {spec.name} item: {reason}") from None
