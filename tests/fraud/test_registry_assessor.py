"""Registry lifecycle, corrupt files, and the assessor's findings and reasons."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from borderline.bench.fraud_synth import to_order_json
from borderline.engine import AssessContext, Engine
from borderline.errors import DataFileError, NotFound
from borderline.fraud.assessor import FraudAssessor, Prescored, prescore
from borderline.fraud.features import MemoryFeatureStore, offline_features
from borderline.fraud.flat import flatten
from borderline.fraud.registry import Registry
from borderline.fraud.training import FraudModel
from borderline.model import Order

CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_*]+)*$")


def test_lifecycle(tmp_path: Path, model: FraudModel) -> None:
    reg = Registry(tmp_path)
    v1 = reg.register(model)
    assert reg.list()["champion"] == v1  # the first model becomes champion
    card = reg.card(v1)
    for key in ("data", "features", "metrics", "calibration", "threshold", "sha256", "reference"):
        assert key in card
    assert card["data"]["n_train"] > 0 and card["threshold"]["costs"]["chargeback_fee"] == 15.0
    v2 = reg.register(model)
    assert reg.list()["challenger"] == v2
    assert reg.promote() == v2
    assert reg.list()["champion"] == v2
    assert reg.rollback() == v1
    assert reg.list()["champion"] == v1
    with pytest.raises(NotFound):
        reg.rollback()
    actions = [h["action"] for h in reg.list()["history"]]
    assert actions == ["register_champion", "register_challenger", "promote", "rollback"]


def test_corrupt_model_is_refused_and_champion_stays(tmp_path: Path, model: FraudModel) -> None:
    reg = Registry(tmp_path)
    v1 = reg.register(model)
    v2 = reg.register(model)
    path = tmp_path / v2 / "model.txt"
    path.write_text(path.read_text()[:500])
    with pytest.raises(DataFileError) as err:
        reg.promote(v2)
    assert err.value.where == str(path)
    assert "SHA-256" in err.value.message
    assert reg.list()["champion"] == v1
    # an assessor in service keeps its model when a reload hits a corrupt champion
    a = FraudAssessor({"registry": str(tmp_path)})
    assert a.reload() is not None
    (tmp_path / v1 / "model.txt").write_text("garbage")
    kept = a.reload()
    assert kept is not None and kept.version == v1
    assert a.last_load_error is not None and "model.txt" in a.last_load_error


def _orders(orders: tuple[pd.DataFrame, pd.DataFrame]) -> list[Order]:
    return [Order.model_validate(to_order_json(r)) for r in orders[0].itertuples(index=False)]


def _with_history(
    orders: tuple[pd.DataFrame, pd.DataFrame], model: FraudModel
) -> tuple[FraudAssessor, MemoryFeatureStore, list[Order]]:
    """An assessor serving ``model`` and a feature store holding the first 3,000 orders."""
    a = FraudAssessor()
    a.use_model(model)
    store = MemoryFeatureStore()
    all_orders = _orders(orders)
    for o in all_orders[:3000]:
        store.record(flatten(o))
    return a, store, all_orders


def test_assessor_findings(orders: tuple[pd.DataFrame, pd.DataFrame], model: FraudModel) -> None:
    a, store, all_orders = _with_history(orders, model)
    ctx = AssessContext(extras={"fraud.feature_store": store})
    df = orders[0]
    fraud_i = int(
        np.flatnonzero((df["pattern"] == "stolen_card").to_numpy() & (np.arange(len(df)) >= 3000))[
            0
        ]
    )
    found = a.assess(all_orders[fraud_i], ctx)
    main = found[0]
    assert main.code == "fraud.model.score"
    assert 0 <= main.signals["fraud.score"] <= 100
    assert main.score == pytest.approx(main.signals["fraud.score"])
    assert main.source == f"fraud-model@{model.version}"
    assert main.evidence["history"] is True
    reasons = found[1:]
    assert 1 <= len(reasons) <= 3
    for r in reasons:
        assert CODE.match(r.code) and r.code.startswith("fraud.reason.")
        assert r.score == 0 and r.evidence["contribution_logodds"] > 0
    # a stolen card through the engine: the decision carries the fraud score signal
    ctx.versions.clear()  # the direct call above recorded the model in the caller's context
    decision = Engine(assessors=[a]).assess(all_orders[fraud_i], ctx)
    assert decision.signals["fraud.score"] == main.signals["fraud.score"]
    # ... and names the model that scored it; the engine keeps a record per order
    assert decision.versions["model.fraud"] == model.version
    assert decision.versions["assessor.fraud"] == FraudAssessor.version
    assert ctx.versions == {}


def test_a_batch_scored_at_once_gives_the_findings_of_one_at_a_time(
    orders: tuple[pd.DataFrame, pd.DataFrame], model: FraudModel
) -> None:
    """``prescore`` (Spark scores a batch in one LightGBM call) changes nothing a decision
    says: the same probability, the same reasons and contributions, order by order."""
    a, store, all_orders = _with_history(orders, model)
    batch = all_orders[3000:3200]
    scores = prescore(model, [store.features(flatten(o)) for o in batch])
    assert len(scores) == len(batch)
    above = 0
    for order, pre in zip(batch, scores, strict=True):
        alone = a.assess(order, AssessContext(extras={"fraud.feature_store": store}))
        together = a.assess(
            order,
            AssessContext(extras={"fraud.feature_store": store, "fraud.prescored": pre}),
        )
        assert together == alone
        above += bool(alone[0].signals["fraud.above_threshold"])
    assert 0 < above < len(batch)  # both sides of the threshold were compared
    # A score computed with another model is not taken for this one's.
    other = FraudAssessor()
    other.use_model(model)
    stale = Prescored(object(), scores[0].row, 0.999, scores[0].contributions)
    ctx = AssessContext(extras={"fraud.feature_store": store, "fraud.prescored": stale})
    assert other.assess(batch[0], ctx)[0].evidence["probability"] != 0.999
    assert prescore(model, []) == []


def test_contributions_are_exact_shap(
    flat: pd.DataFrame, orders: tuple[pd.DataFrame, pd.DataFrame], model: FraudModel
) -> None:
    X = offline_features(flat.iloc[:200], orders[1])
    contrib = model.contributions(X)
    raw = model.booster.predict(X[model.features].to_numpy(), raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-6, atol=1e-6)


def test_without_model(tmp_path: Path, orders: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a = FraudAssessor({"registry": str(tmp_path / "empty")})
    (finding,) = a.assess(_orders((orders[0].head(1), orders[1]))[0], AssessContext())
    assert finding.code == "fraud.model.unavailable"
    assert finding.score == 0


def test_unknown_setting() -> None:
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown setting"):
        FraudAssessor({"treshold": 3})


def test_promotion_reaches_the_assessor_in_service(
    tmp_path: Path, model: FraudModel, orders: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    import os

    reg = Registry(tmp_path)
    v1 = reg.register(model)
    a = FraudAssessor({"registry": str(tmp_path)})
    order = _orders((orders[0].head(1), orders[1]))[0]
    assert a.assess(order, AssessContext())[0].evidence["model_version"] == v1
    v2 = reg.register(model)
    reg.promote(v2)
    state = tmp_path / "registry.json"
    st = state.stat()
    os.utime(state, (st.st_atime, st.st_mtime + 5))  # coarse file-system clocks
    assert a.assess(order, AssessContext())[0].evidence["model_version"] == v2


def test_the_data_folder_is_handed_in_not_read_from_the_environment(
    tmp_path: Path,
    model: FraudModel,
    orders: tuple[pd.DataFrame, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from borderline.fraud.registry import models_dir
    from borderline.service import Services
    from borderline.settings import Settings

    data = tmp_path / "data"
    Registry(models_dir(data)).register(model, role="champion")
    # The environment names another (empty) folder: only the settings handed in count.
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path / "elsewhere"))

    a = FraudAssessor(data_dir=data)
    assert a.reload() is not None and a.last_load_error is None
    alone = FraudAssessor()  # no folder and no configured registry: says what is missing
    assert alone.reload() is None
    assert alone.last_load_error is not None and "registry" in alone.last_load_error

    svc = Services.open(Settings(data_dir=data, database_url=""))
    try:
        decision, _ = svc.assess(_orders(orders)[0])
    finally:
        svc.close()
    codes = {f.code for f in decision.findings}
    assert "fraud.model.score" in codes and "fraud.model.unavailable" not in codes
