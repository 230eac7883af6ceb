"""Labels: chargebacks, fraud refunds and analyst outcomes that teach the fraud model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
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
def add_labels(body: LabelsIn, services: ServicesDep, who: Labeller) -> list[dict[str, Any]]:
    return services.add_labels(
        [
            {k: v for k, v in lab.model_dump(mode="json").items() if v is not None}
            for lab in body.labels
        ],
        who.name,
    )
