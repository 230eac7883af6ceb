"""Labels: chargebacks, fraud refunds and analyst outcomes that teach the fraud model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from borderline.api.deps import Labeller, ServicesDep

router = APIRouter(tags=["labels"])


class LabelIn(BaseModel):
    order_id: str
    kind: str = Field(description="chargeback, refund_fraud, analyst, friendly_fraud, legitimate")
    is_fraud: bool | None = None
    reason: str | None = Field(default=None, max_length=2000)
    event_at: datetime | None = Field(default=None, description="when it happened (default now)")


class LabelsIn(BaseModel):
    labels: list[LabelIn] = Field(min_length=1, max_length=10_000)


@router.post("/v1/labels", status_code=201)
def add_labels(
    body: LabelsIn, services: ServicesDep, who: Labeller, response: Response
) -> list[dict[str, Any]]:
    """Each label stands alone: 201 with the stored labels when all are stored; 207 with one
    ``{"index", "label"}`` or ``{"index", "error"}`` per input when some are not; when none
    is, the first error's status (404 unknown order, 422 bad field)."""
    from borderline.errors import error_from_dict

    results = services.add_labels_each(
        [
            {k: v for k, v in lab.model_dump(mode="json").items() if v is not None}
            for lab in body.labels
        ],
        who.name,
    )
    failed = [r for r in results if "error" in r]
    if not failed:
        return [r["label"] for r in results]
    if len(failed) == len(results):
        raise error_from_dict(failed[0]["error"])
    response.status_code = 207
    return results
