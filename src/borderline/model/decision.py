"""What assessors report (Finding) and what the engine answers (Decision)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from borderline.model.types import TaxonomyCode


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Outcome(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    HOLD = "hold"
    DECLINE = "decline"

    @property
    def rank(self) -> int:
        return _OUTCOME_RANK[self]


_OUTCOME_RANK = {Outcome.APPROVE: 0, Outcome.REVIEW: 1, Outcome.HOLD: 2, Outcome.DECLINE: 3}

# Actions a decision may require. Assessors and policies may name others; these are documented.
KNOWN_ACTIONS = (
    "request_3ds",
    "hold_shipment",
    "request_documents",
    "require_export_licence",
    "collect_duties",
    "verify_identity",
    "manual_review",
    "suggest_service_upgrade",
)

Signal = float | int | str | bool | None


class Finding(BaseModel):
    """One thing an assessor noticed, with the values that made it fire.

    ``score`` is the finding's contribution on the 0-100 risk scale (0 for informational ones).
    ``signals`` are named values exposed to policies (``fraud.score``, ``corridor.risk``);
    an assessor that has a score to share emits an info finding carrying it.
    """

    model_config = ConfigDict(extra="forbid")

    code: TaxonomyCode
    severity: Severity = Severity.INFO
    score: float = Field(default=0.0, ge=0, le=100)
    explanation: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    actions: list[str] = Field(default_factory=list)
    signals: dict[str, Signal] = Field(default_factory=dict)
    assessor: str = ""
    source: str | None = Field(default=None, description="list, rule or model version behind it")


class RuleHit(BaseModel):
    rule: str
    kind: str = Field(description="gate, rule or threshold")
    effect: str
    explanation: str = ""


class Reason(BaseModel):
    code: str
    severity: Severity
    contribution: float
    explanation: str
    assessor: str
    source: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)


class Receipt(BaseModel):
    """Where the decision sits in the audit ledger; prove it with ``GET /v1/ledger/proof``."""

    log_index: int
    leaf_hash: str
    record_hash: str


class Decision(BaseModel):
    decision_id: str
    order_id: str
    outcome: Outcome
    score: float = Field(ge=0, le=100)
    actions: list[str]
    reasons: list[Reason]
    rules: list[RuleHit]
    findings: list[Finding]
    signals: dict[str, Signal]
    versions: dict[str, str]
    timings_ms: dict[str, float]
    created_at: datetime
    degraded: bool = Field(default=False, description="an assessor failed; see findings")
    receipt: Receipt | None = None
