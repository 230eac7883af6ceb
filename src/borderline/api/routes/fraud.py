"""Fraud model registry, drift report and feature-store sync. Labels go to ``/v1/labels``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from borderline.api.deps import Activator, Reader, ServicesDep, Writer
from borderline.errors import InvalidInput
from borderline.fraud import Registry, models_dir
from borderline.store import transaction

router = APIRouter(tags=["fraud"])


def _registry(services: Any) -> Registry:
    return Registry(models_dir(services.settings.data_dir))


@router.get("/v1/fraud/models")
def list_models(services: ServicesDep, _: Reader) -> dict[str, Any]:
    """Registered models, the champion and challenger, and the history of changes."""
    return _registry(services).list()


@router.get("/v1/fraud/models/{version}")
def model_card(version: str, services: ServicesDep, _: Reader) -> dict[str, Any]:
    """A model card (``champion`` and ``challenger`` resolve to the current ones)."""
    card = _registry(services).card(version)
    card.pop("reference", None)  # the drift reference is large and internal
    return card


def _audited(services: Any, kind: str, version: str, actor: str) -> None:
    with transaction(services.sessions) as s:
        services.ledger.append(
            s, kind=kind, subject=version, record={"version": version, "actor": actor}
        )


@router.post("/v1/fraud/models/{version}/promote")
def promote(version: str, services: ServicesDep, who: Activator) -> dict[str, Any]:
    """Make a model champion; a corrupt model file is refused (422) and nothing changes."""
    reg = _registry(services)
    v = reg.promote(version, actor=who.name)
    _audited(services, "fraud.model.promote", v, who.name)
    return {"champion": v}


@router.post("/v1/fraud/rollback")
def rollback(services: ServicesDep, who: Activator) -> dict[str, Any]:
    """Put the previous champion back in service."""
    v = _registry(services).rollback(actor=who.name)
    _audited(services, "fraud.model.rollback", v, who.name)
    return {"champion": v}


@router.get("/v1/fraud/drift")
def drift(
    services: ServicesDep,
    _: Reader,
    since: datetime = Query(description="start of the period to compare (ISO 8601, with zone)"),
    until: datetime | None = Query(default=None, description="end of the period (default: now)"),
    model: str = Query(default="champion"),
) -> dict[str, Any]:
    """PSI of features and scores of stored orders in [since, until) vs the model's training."""
    from borderline.fraud import offline_features, psi_report, stored_history

    if since.tzinfo is None or (until is not None and until.tzinfo is None):
        raise InvalidInput("times need a zone offset, e.g. 2026-01-31T00:00:00Z", where="since")
    m = _registry(services).load(model)
    with services.sessions() as s:
        flat, labels = stored_history(s, until)
    if len(flat) == 0:
        raise InvalidInput("no stored orders in the period", where="since")
    recent = (flat["t"] >= since.timestamp()).to_numpy()
    if not recent.any():
        raise InvalidInput("no stored orders in the period", where="since")
    X = offline_features(flat, labels, int(m.card.get("label_delay_days", 7)))[recent]
    report = psi_report(m.card["reference"], X, m.predict(X) * 100)
    report["model_version"] = m.version
    return report


@router.post("/v1/fraud/feature-store/sync")
def sync_store(services: ServicesDep, _: Writer) -> dict[str, int]:
    """Record stored orders and labels the online feature store has not seen yet."""
    from borderline.fraud import SqlFeatureStore

    with transaction(services.sessions) as s:
        added, labels = SqlFeatureStore(s).sync_from_core()
    return {"orders_added": added, "labels": labels}
