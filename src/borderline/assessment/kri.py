"""Key risk indicators computed from the engine's own tables (decisions, findings, orders,
labels), optionally for one corridor, over a rolling window.

Metrics are rates with their numerator and denominator, so a 100% decline rate over one order
reads as what it is. A window with no decisions has no value (status ``no_data``), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select, and_, distinct, func, select
from sqlalchemy.orm import Session

from borderline.errors import InvalidInput
from borderline.refdata import is_country
from borderline.store.models import DecisionRow, FindingRow, LabelRow, OrderRow

# metric → what it measures (shown in docs, the CLI and the API)
METRICS: dict[str, str] = {
    "decline_rate": "share of decisions declined",
    "review_rate": "share of decisions sent to review or hold",
    "chargeback_rate": "share of decided orders later labelled as a fraud chargeback",
    "sanctions_hit_rate": "share of decisions with a screening.sanctions finding",
    "transfer_no_mechanism_rate": "share of decisions with a privacy.transfer.no_mechanism "
    "finding (personal data sent abroad without a transfer mechanism)",
    "finding_rate": "share of decisions with a finding whose code starts with params.code",
    "mean_score": "mean decision risk score (0-100)",
}
_FINDING_PREFIX = {
    "sanctions_hit_rate": "screening.sanctions",
    "transfer_no_mechanism_rate": "privacy.transfer.no_mechanism",
}


class KriIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    metric: str
    params: dict[str, str] = Field(
        default_factory=dict, description="origin, destination (ISO codes), code (finding_rate)"
    )
    window_days: int = Field(default=30, ge=1, le=3660)
    amber: float
    red: float
    direction: Literal["above", "below"] = "above"
    risk_key: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _check(self) -> KriIn:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; known: {sorted(METRICS)}")
        unknown = set(self.params) - {"origin", "destination", "code"}
        if unknown:
            raise ValueError(f"unknown params {sorted(unknown)}; use origin, destination, code")
        for k in ("origin", "destination"):
            if k in self.params:
                self.params[k] = self.params[k].strip().upper()
                if not is_country(self.params[k]):
                    raise ValueError(f"{k} {self.params[k]!r} is not an ISO 3166 code")
        if self.metric == "finding_rate" and not self.params.get("code"):
            raise ValueError("finding_rate needs params.code, e.g. screening.sanctions")
        if self.direction == "above" and self.red < self.amber:
            raise ValueError("with direction 'above', red must be ≥ amber")
        if self.direction == "below" and self.red > self.amber:
            raise ValueError("with direction 'below', red must be ≤ amber")
        return self


@dataclass(frozen=True, slots=True)
class Measurement:
    value: float | None
    numerator: int
    denominator: int


def _decisions(params: dict[str, Any], start: datetime, end: datetime) -> Select[Any]:
    q = select(DecisionRow.id).where(DecisionRow.created_at >= start, DecisionRow.created_at < end)
    if params.get("origin") or params.get("destination"):
        q = q.join(OrderRow, OrderRow.id == DecisionRow.order_id)
        if params.get("origin"):
            q = q.where(OrderRow.origin_country == params["origin"])
        if params.get("destination"):
            q = q.where(OrderRow.destination_country == params["destination"])
    return q


def compute(
    session: Session, metric: str, params: dict[str, Any], start: datetime, end: datetime
) -> Measurement:
    if metric not in METRICS:
        raise InvalidInput(f"unknown metric {metric!r}", where="metric")
    base = _decisions(params, start, end).subquery()
    total = int(session.scalar(select(func.count()).select_from(base)) or 0)
    if total == 0:
        return Measurement(None, 0, 0)
    if metric == "mean_score":
        mean = session.scalar(
            select(func.avg(DecisionRow.score)).where(DecisionRow.id.in_(select(base.c.id)))
        )
        return Measurement(float(mean) if mean is not None else None, total, total)
    if metric in ("decline_rate", "review_rate"):
        outcomes = ("decline",) if metric == "decline_rate" else ("review", "hold")
        n = session.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .where(DecisionRow.id.in_(select(base.c.id)), DecisionRow.outcome.in_(outcomes))
        )
    elif metric == "chargeback_rate":
        n = session.scalar(
            select(func.count(distinct(LabelRow.order_id)))
            .select_from(LabelRow)
            .join(DecisionRow, DecisionRow.order_id == LabelRow.order_id)
            .where(
                and_(
                    DecisionRow.id.in_(select(base.c.id)),
                    LabelRow.is_fraud.is_(True),
                    LabelRow.kind == "chargeback",
                )
            )
        )
    else:
        prefix = _FINDING_PREFIX.get(metric) or str(params["code"])
        n = session.scalar(
            select(func.count(distinct(FindingRow.decision_id))).where(
                FindingRow.decision_id.in_(select(base.c.id)),
                # Escape LIKE's wildcards: codes contain underscores (no_mechanism).
                FindingRow.code.like(_like_prefix(prefix), escape="\\"),
            )
        )
    num = int(n or 0)
    return Measurement(num / total, num, total)


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def status(value: float | None, amber: float, red: float, direction: str) -> str:
    if value is None:
        return "no_data"
    if direction == "above":
        return "red" if value >= red else "amber" if value >= amber else "green"
    return "red" if value <= red else "amber" if value <= amber else "green"
