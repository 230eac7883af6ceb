"""The fraud API: registry, promotion with audit, drift over stored orders, store sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.bench.fraud_synth import to_order_json
from borderline.fraud.registry import Registry
from borderline.fraud.tables import FraudEventRow, FraudLabelRow
from borderline.fraud.training import FraudModel
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@pytest.fixture
def world(
    migrated_url: str, tmp_path: Path, model: FraudModel
) -> Iterator[tuple[TestClient, dict[str, str], Registry, Services]]:
    svc = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    keys = {}
    with transaction(svc.sessions) as s:
        for name, role in [("ada", "admin"), ("aud", "auditor"), ("ann", "analyst")]:
            keys[name] = create_key(s, name, role)[1]
    reg = Registry(tmp_path / "data" / "fraud" / "models")
    yield TestClient(create_app(svc)), keys, reg, svc
    svc.close()


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_registry_routes(world: tuple, model: FraudModel) -> None:
    client, keys, reg, _svc = world
    assert client.get("/v1/fraud/models", headers=_h(keys["aud"])).json()["champion"] is None
    v1 = reg.register(model)
    v2 = reg.register(model)
    r = client.get("/v1/fraud/models/champion", headers=_h(keys["aud"]))
    assert r.status_code == 200 and r.json()["version"] == v1 and "reference" not in r.json()
    assert client.get("/v1/fraud/models/nope", headers=_h(keys["aud"])).status_code == 404
    # an auditor may read but not promote
    assert client.post(f"/v1/fraud/models/{v2}/promote", headers=_h(keys["aud"])).status_code == 403
    size_before = client.get("/health").json()["ledger_size"]
    r = client.post(f"/v1/fraud/models/{v2}/promote", headers=_h(keys["ada"]))
    assert r.status_code == 200 and r.json() == {"champion": v2}
    assert client.get("/health").json()["ledger_size"] == size_before + 1
    # a corrupt file: 422 naming it, and the champion stays
    (reg.root / v1 / "model.txt").write_text("broken")
    r = client.post("/v1/fraud/rollback", headers=_h(keys["ada"]))
    assert r.status_code == 422 and "model.txt" in r.json()["where"]
    assert client.get("/v1/fraud/models", headers=_h(keys["ada"])).json()["champion"] == v2


def test_drift_and_sync(
    world: tuple, model: FraudModel, orders: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    client, keys, reg, svc = world
    reg.register(model)
    df = orders[0].iloc[:120]
    for row in df.itertuples(index=False):
        r = client.post("/v1/decisions", json=to_order_json(row), headers=_h(keys["ada"]))
        assert r.status_code in (200, 201), r.text
    fraud_ids = df.loc[df["is_fraud"] == 1, "order_id"].tolist()
    r = client.post(
        "/v1/labels",
        headers=_h(keys["ann"]),
        json={"labels": [{"order_id": o, "kind": "chargeback"} for o in fraud_ids]},
    )
    assert r.status_code == 201, r.text
    since = pd.Timestamp(int(df["t"].iloc[60]), unit="s", tz="UTC").isoformat()
    r = client.get("/v1/fraud/drift", params={"since": since}, headers=_h(keys["aud"]))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["n"] == 60 and rep["model_version"] == reg.list()["champion"]
    assert {"psi", "level"} <= set(rep["score"])
    r = client.get(
        "/v1/fraud/drift", params={"since": "2030-01-01T00:00:00Z"}, headers=_h(keys["aud"])
    )
    assert r.status_code == 422
    # Assessed orders already entered the feature store in their own transaction (the
    # borderline.recorded hook), so a sync has no orders left to add: it only brings labels.
    r = client.post("/v1/fraud/feature-store/sync", headers=_h(keys["ann"]))
    assert r.status_code == 200 and r.json() == {"orders_added": 0, "labels": len(fraud_ids)}
    with svc.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FraudEventRow)) >= 120 * 5
        assert s.scalar(select(func.count()).select_from(FraudLabelRow)) == len(fraud_ids)
    r = client.post("/v1/fraud/feature-store/sync", headers=_h(keys["ann"]))
    assert r.json()["orders_added"] == 0  # idempotent


def test_train_from_stored_orders_and_labels(
    world: tuple, orders: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feedback loop: assessed orders + POST /v1/labels -> `fraud train --stored`."""
    from typer.testing import CliRunner

    from borderline.cli import app

    client, keys, _reg, svc = world
    df = orders[0].iloc[:400]
    for row in df.itertuples(index=False):
        assert (
            client.post(
                "/v1/decisions", json=to_order_json(row), headers=_h(keys["ada"])
            ).status_code
            == 201
        )
    fraud_ids = df.loc[df["is_fraud"] == 1, "order_id"].tolist()
    assert fraud_ids
    client.post(
        "/v1/labels",
        headers=_h(keys["ann"]),
        json={"labels": [{"order_id": o, "kind": "chargeback"} for o in fraud_ids]},
    )
    monkeypatch.setenv("BORDERLINE_DATABASE_URL", svc.settings.url)
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(svc.settings.data_dir))
    r = CliRunner().invoke(app, ["fraud", "train", "--stored", "--rounds", "20", "--json"])
    assert r.exit_code == 0, r.output
    card = json.loads(r.output)
    assert card["data"]["n_train_orders"] + card["data"]["n_calibration"] == 400
    assert card["data"]["n_train_frauds"] + card["data"]["n_calibration_frauds"] == len(fraud_ids)
    r = client.get("/v1/fraud/models", headers=_h(keys["aud"]))
    assert r.json()["champion"] == card["version"]
