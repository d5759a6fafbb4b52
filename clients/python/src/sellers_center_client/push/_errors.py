"""What stops a push: a file that cannot be read, a state file that does not fit it, a batch the
service refused, a batch to send again after its key may have been forgotten."""

from __future__ import annotations

from pathlib import Path


class PushError(Exception):
    """A push cannot go on; the message says why and what to do."""


class SourceError(PushError, ValueError):
    """An item the file holds cannot be read: the message names the file and the line."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class BatchRefused(PushError):  # noqa: N818 - named for what happened
    """The service refused a batch whole (422): items of the file break the API's schema in a
    way the client's models do not check (a text too long), so sending it again cannot help."""


class KeyExpired(PushError):  # noqa: N818 - named for what happened
    """A chunk whose answer was lost would be sent again after the service may have forgotten
    its idempotency key, and so be stored twice: the push stops unless told to send it anyway."""
