"""API shapes the engine owns: the answer to a submission."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class BatchRequestAcceptedSchema(BaseModel):
    batchRequestId: uuid.UUID = Field(  # noqa: N815 - the wire name of the live service
        description="Id of the stored batch; poll the matching results endpoint with it."
    )
