"""What a transfer assessment takes and gives back (pydantic, so the API publishes a schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["allowed", "allowed_with_conditions", "prohibited"]
OUTCOME_RANK = {"allowed": 0, "allowed_with_conditions": 1, "prohibited": 2}


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Party(_M):
    name: str = Field(default="unnamed", max_length=300)
    kind: str = Field(
        default="controller",
        max_length=50,
        description="controller, processor, group_company, data_broker, public_authority",
    )


class Exporter(Party):
    ciio: bool = Field(default=False, description="critical information infrastructure operator")


class Importer(Party):
    kind: str = Field(default="processor", max_length=50)
    certifications: list[str] = Field(
        default_factory=list, description="e.g. EU-US DPF, UK Extension, Swiss-US DPF, APEC CBPR"
    )
    covered_person: bool = Field(
        default=False,
        description="a covered person under 28 CFR 202.211 (owned by, or "
        "resident in, a country of concern)",
    )


class TransferRequest(_M):
    """One flow of personal data from an exporter to an importer in another jurisdiction."""

    exporter_country: str = Field(description="ISO alpha-2 code or a region (EEA, EU)")
    importer_country: str
    exporter: Exporter = Field(default_factory=Exporter)
    importer: Importer = Field(default_factory=Importer)
    data_categories: list[str] = Field(min_length=1, description="fideslang keys")
    sensitive_categories: list[str] = Field(
        default_factory=list, description="fideslang keys the exporter treats as sensitive"
    )
    data_subjects: int = Field(default=1, ge=0, le=10_000_000_000)
    purpose: str | None = Field(
        default=None, description="fideslang data use, e.g. essential.service.payment_processing"
    )
    country_of_concern: bool | None = Field(
        default=None, description="importer in a US country of concern; derived when omitted"
    )
    transaction: Literal["vendor", "employment", "investment", "data_brokerage", "other"] | None = (
        None
    )
    important_data: bool = Field(default=False, description="data notified as important (CN)")
    date: dt.date | None = None
    mechanism: str | None = Field(default=None, max_length=200, description="declared mechanism")


class Citation(BaseModel):
    source: str
    title: str
    article: str
    url: str | None = None
    status: Literal["V", "M", "U"]
    binding: bool = Field(description="verified facts bind; the rest are advisory")


class Conclusion(BaseModel):
    regime: str
    code: str
    text: str
    citation: Citation


class Mechanism(BaseModel):
    regime: str
    id: str
    name: str
    module: str | None = None
    citation: Citation


class Action(BaseModel):
    regime: str
    action: str
    deadline: str
    document: str | None = None
    citation: Citation


class RegimeResult(BaseModel):
    regime: str
    name: str
    version: str
    outcome: Outcome
    volume: dict[str, Any] | None = None


class TransferAssessment(BaseModel):
    outcome: Outcome
    advisory: bool = Field(description="some conclusion rests on facts not verified")
    regimes: list[RegimeResult]
    conclusions: list[Conclusion]
    mechanisms: list[Mechanism]
    actions: list[Action]
    transfer: dict[str, Any]
