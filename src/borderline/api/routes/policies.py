"""Policies: check, draft, backtest, activate (by someone other than the author)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from borderline.api.deps import Activator, Reader, ServicesDep, Writer

router = APIRouter(tags=["policies"])


class PolicyIn(BaseModel):
    source: str = Field(min_length=1, max_length=1_000_000)
    comment: str | None = Field(default=None, max_length=2000)


class CheckResult(BaseModel):
    ok: bool
    name: str
    rules: int
    gates: int
    thresholds: dict[str, float]
    names_used: list[str]


@router.post("/v1/policies:check")
def check_policy(body: PolicyIn, services: ServicesDep, _: Reader) -> CheckResult:
    compiled = services.check_policy(body.source)
    return CheckResult(
        ok=True,
        name=compiled.name,
        rules=sum(1 for r in compiled.rules if r.kind == "rule"),
        gates=sum(1 for r in compiled.rules if r.kind == "gate"),
        thresholds={str(k): v for k, v in compiled.thresholds.items()},
        names_used=sorted(compiled.names_used),
    )


@router.get("/v1/policies")
def list_policies(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return services.list_policies()


@router.get("/v1/policies/active")
def active_policy(services: ServicesDep, _: Reader) -> dict[str, Any]:
    return services.get_policy()


@router.get("/v1/policies/{version}")
def get_policy(version: int, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return services.get_policy(version)


@router.post("/v1/policies", status_code=201)
def create_policy(body: PolicyIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    # The author is the key's owner (a person), not the key's free-text name.
    return services.create_policy(body.source, who.person, body.comment)


@router.post("/v1/policies/{version}/backtest")
def backtest(
    version: int,
    services: ServicesDep,
    who: Writer,
    limit: int = Query(100_000, ge=1, le=1_000_000),
) -> dict[str, Any]:
    return services.backtest(version, limit=limit, actor=who.name).to_dict()


@router.post("/v1/policies/{version}/activate")
def activate(version: int, services: ServicesDep, who: Activator) -> dict[str, Any]:
    return services.activate_policy(version, who.person, acting_for=who.people)
