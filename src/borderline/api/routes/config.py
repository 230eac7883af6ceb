"""The engine configuration: assessor settings and seller profile, drafted and activated by two
different people, like policies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from borderline.api.deps import Activator, Reader, ServicesDep, Writer

router = APIRouter(tags=["config"])


class ConfigIn(BaseModel):
    source: str = Field(min_length=1, max_length=200_000, description="the YAML document")
    comment: str | None = Field(default=None, max_length=2000)


@router.post("/v1/config:check")
def check(body: ConfigIn, _: Reader) -> dict[str, Any]:
    from borderline.engine_config import check_config

    cfg = check_config(body.source)
    return {
        "ok": True,
        "assessors": sorted(cfg.assessors),
        "run": list(cfg.run) if cfg.run is not None else None,
        "registrations": list(cfg.registrations),
    }


@router.get("/v1/config")
def active(services: ServicesDep, _: Reader) -> dict[str, Any]:
    from borderline import assessor_config

    return assessor_config.get(services)


@router.get("/v1/config/versions")
def versions(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    from borderline import assessor_config

    return assessor_config.versions(services)


@router.post("/v1/config", status_code=201)
def draft(body: ConfigIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    from borderline import assessor_config

    return assessor_config.draft(services, body.source, who.name, body.comment)


@router.post("/v1/config/{version}/activate")
def activate(version: int, services: ServicesDep, who: Activator) -> dict[str, Any]:
    from borderline import assessor_config

    return assessor_config.activate(services, version, who.person, acting_for=who.people)
