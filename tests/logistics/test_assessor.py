"""LogisticsAssessor on its own and inside the core Engine."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from borderline.engine import AssessContext, Engine
from borderline.errors import InvalidInput, NotFound
from borderline.logistics.assessor import LogisticsAssessor
from borderline.model import Order


def order(
    created: str, mode: str | None, origin: str, dest: str, promised: str | None, **ship: Any
) -> Order:
    shipment: dict[str, Any] = {
        "origin_country": origin,
        "destination_country": dest,
        "weight_kg": "300",
        **ship,
    }
    if mode is not None:
        shipment["mode"] = mode
    if promised is not None:
        shipment["promised_delivery"] = promised
    return Order.model_validate(
        {
            "id": "o-1",
            "created_at": f"{created}T10:00:00Z",
            "currency": "EUR",
            "total": "2500",
            "parties": [{"role": "buyer", "name": "Ana Buyer", "address": {"country": dest}}],
            "items": [{"title": "speaker", "quantity": 1, "unit_price": "2500"}],
            "shipment": shipment,
        }
    )


def by_code(findings: list[Any]) -> dict[str, Any]:
    return {f.code: f for f in findings}


def test_generous_promise_is_low_risk() -> None:
    # Before the Red Sea diversions of December 2023: the corridor was open.
    f = by_code(
        LogisticsAssessor().assess(
            order("2023-06-10", "ocean", "CN", "NL", "2023-07-31"), AssessContext()
        )
    )
    risk = f["logistics.delay.late_risk"]
    assert risk.signals["logistics.late_probability"] < 0.05
    assert risk.signals["logistics.corridor_status"] == "open"
    assert risk.actions == []
    assert risk.evidence["route"] == "asia-europe-ocean-suez"


def test_tight_promise_suggests_a_faster_service() -> None:
    f = by_code(
        LogisticsAssessor().assess(
            order("2024-01-10", "ocean", "CN", "NL", "2024-02-12"), AssessContext()
        )
    )
    risk = f["logistics.delay.late_risk"]
    assert risk.signals["logistics.late_probability"] > 0.9
    assert risk.actions == ["suggest_service_upgrade"]
    assert risk.evidence["suggested_mode"] == "air"
    assert risk.signals["logistics.expected_delay_days"] > 5


def test_weak_customs_lpi_adds_days() -> None:
    a = LogisticsAssessor()
    de = a.estimate(order("2016-05-01", "air", "CN", "DE", None))
    ng = a.estimate(order("2016-05-01", "air", "CN", "NG", None))
    assert de is not None and ng is not None
    assert de["customs_days_from_lpi"] == 0
    assert ng["customs_days_from_lpi"] > 1  # Nigeria's 2016 LPI customs score is below 2.5
    assert ng["transit_days"] > de["transit_days"]


def test_red_sea_scenario_marks_the_corridor_diverted() -> None:
    a = LogisticsAssessor({"scenarios": ["red-sea-2023"]})
    f = by_code(a.assess(order("2024-01-10", "ocean", "CN", "NL", "2024-02-25"), AssessContext()))
    assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "diverted"
    d = f["logistics.corridor.disrupted"]
    assert 10 <= d.evidence["extra_days_if_hit"] <= 14
    assert "hold_shipment" not in d.actions
    # Air from China to the Netherlands is not touched by the Red Sea.
    air = by_code(a.assess(order("2024-01-10", "air", "CN", "NL", None), AssessContext()))
    assert "logistics.corridor.disrupted" not in air


def test_suez_closure_holds_the_shipment() -> None:
    # Leaves 28 Feb 2021, reaches the canal about 26 days later: inside the 23-29 March closure,
    # too short a wait to be worth the Cape detour, so the shipment waits: the corridor is closed.
    a = LogisticsAssessor({"scenarios": ["suez-2021"]})
    f = by_code(a.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"), AssessContext()))
    closed = f["logistics.corridor.closed"]
    assert closed.actions == ["hold_shipment"]
    assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "closed"
    # A month later the canal is open again.
    later = by_code(a.assess(order("2021-05-01", "ocean", "CN", "DE", None), AssessContext()))
    assert "logistics.corridor.closed" not in later


def test_unknown_corridor_is_reported_not_raised() -> None:
    f = by_code(
        LogisticsAssessor().assess(order("2024-01-10", "ocean", "BR", "AU", None), AssessContext())
    )
    assert f["logistics.route.unknown"].signals["logistics.corridor_status"] == "unknown"


def test_mode_is_inferred_from_the_service_name() -> None:
    est = LogisticsAssessor().estimate(
        order("2024-01-10", None, "CN", "US", None, service="DHL Express Worldwide")
    )
    assert est is not None and est["mode"] == "express"


@pytest.mark.parametrize(
    ("config", "exc", "where"),
    [
        ({"late_threshold": 1.5}, InvalidInput, "assessors.logistics.late_threshold"),
        ({"scenarios": "suez-2021"}, InvalidInput, "assessors.logistics.scenarios"),
        ({"scenarios": ["atlantis-2031"]}, NotFound, "atlantis-2031"),
        ({"colour": "red"}, InvalidInput, "assessors.logistics"),
    ],
)
def test_bad_config_fails_at_start(config: dict[str, Any], exc: type, where: str) -> None:
    with pytest.raises(exc) as info:
        LogisticsAssessor(config)
    assert info.value.where == where


def test_in_the_engine_and_picklable() -> None:
    assessor = LogisticsAssessor({"scenarios": ["suez-2021"]})
    engine = Engine(assessors=[assessor])
    decision = engine.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"))
    assert "hold_shipment" in decision.actions
    assert decision.signals["logistics.corridor_status"] == "closed"
    assert decision.versions["assessor.logistics"] == "1.0"
    clone = pickle.loads(pickle.dumps(engine))
    again = clone.assess(order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"))
    assert again.signals == decision.signals


DOC = Path(__file__).resolve().parents[2] / "docs" / "logistics.md"


def test_docs_cover_every_setting_and_signal_and_their_policy_example_compiles() -> None:
    from borderline.engine import declared_signals
    from borderline.policy.language import compile_policy

    text = DOC.read_text(encoding="utf-8")
    for key in LogisticsAssessor.defaults:
        assert f"`{key}`" in text, key
    for key in LogisticsAssessor.signals:
        assert f"`{key}`" in text, key
    block = text.split("Example policy lines (checked to compile):")[1].split("```text")[1]
    source = block.split("```")[0].strip()
    compile_policy(source, declared_signals([LogisticsAssessor()]))


def test_trained_model_drives_the_probability(scms: Any, tmp_path: Path) -> None:
    import json as _json

    from typer.testing import CliRunner

    from borderline.cli import app

    from .conftest import shipments_from_scms

    hist = shipments_from_scms(scms, tmp_path / "hist.csv", (2006, 2013))
    model = tmp_path / "late.json"
    r = CliRunner().invoke(
        app,
        [
            "logistics",
            "train",
            "--train",
            str(hist),
            "--format",
            "shipments",
            "--out",
            str(model),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert _json.loads(r.stdout)["shipments"] > 3000
    a = LogisticsAssessor({"model": str(model)})
    # Real SCMS corridors: India to Nigeria by air, and South Africa to Zambia by road.
    probs = []
    for args in (
        ("2013-03-01", "air", "IN", "NG", "2013-03-20"),
        ("2013-03-01", "road", "ZA", "ZM", "2013-05-20"),
    ):
        risk = by_code(a.assess(order(*args), AssessContext()))["logistics.delay.late_risk"]
        assert risk.evidence["probability_from"].startswith("model late-lgbm-1 trained on")
        p = risk.signals["logistics.late_probability"]
        assert 0 < p < 1
        probs.append(p)
    assert probs[0] != probs[1]
    # Without a promise the model has no lead time to score: the route table answers.
    risk = by_code(a.assess(order("2013-03-01", "air", "IN", "NG", None), AssessContext()))
    assert risk["logistics.delay.late_risk"].evidence["probability_from"] == "route table and LPI"


def test_bad_model_file_fails_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        LogisticsAssessor({"model": str(bad)})
    assert exc.value.where == "assessors.logistics.model"
    assert "not a late-delivery model file" in exc.value.message


def test_assess_many_is_one_simulation_per_scenario_and_agrees_with_assess() -> None:
    a = LogisticsAssessor({"scenarios": ["suez-2021", "red-sea-2023"]})
    batch = [
        order("2021-02-28", "ocean", "CN", "DE", "2021-04-10"),  # Suez closed
        order("2024-01-10", "ocean", "CN", "NL", "2024-02-25"),  # Red Sea diverted
        order("2024-01-10", "air", "CN", "US", None),  # untouched
        order("2024-01-10", "ocean", "BR", "AU", None),  # no route
    ]
    many = a.assess_many(batch, AssessContext())
    for o, got in zip(batch, many, strict=True):
        one = a.assess(o, AssessContext())
        assert [f.model_dump() for f in got] == [f.model_dump() for f in one]
    status = [next(f.signals["logistics.corridor_status"] for f in fs if f.signals) for fs in many]
    assert status == ["closed", "diverted", "open", "unknown"]


# -- dated data: LPI 2023 and the corridor disruptions in force ------------------------------


def test_red_sea_diversion_in_force_comes_from_the_dated_list() -> None:
    # Shanghai to Hamburg by sea in late November 2026: the list (as of 2026-03-04) says the
    # lines still go round the Cape, so the estimate uses the Cape route's transit time.
    a = LogisticsAssessor()
    f = by_code(a.assess(order("2026-11-24", "ocean", "CN", "DE", "2027-01-05"), AssessContext()))
    risk = f["logistics.delay.late_risk"]
    assert risk.signals["logistics.corridor_status"] == "diverted"
    assert risk.evidence["corridor"]["route_taken"] == "asia-europe-ocean-cape"
    assert "on asia-europe-ocean-cape (diverted from asia-europe-ocean-suez)" in risk.explanation
    assert risk.evidence["corridor"]["data"]["published"] == "2026-03-04"
    suez, cape = (a.network.route(r) for r in ("asia-europe-ocean-suez", "asia-europe-ocean-cape"))
    est = a.estimate(order("2026-11-24", "ocean", "CN", "DE", None))
    assert est is not None and est["corridor"]["transit_days"] == cape.transit_days
    assert cape.transit_days > suez.transit_days + 9
    d = f["logistics.corridor.disrupted"]
    assert d.evidence["id"] == "red-sea-bab-el-mandeb" and d.evidence["start"] == "2023-12-15"
    assert [x["date"] for x in d.evidence["sources"]][-1] == "2026-03-04"
    assert "SteelOrbis" in d.explanation and "disruption list of 2026-03-04" in d.explanation
    assert d.actions == [] and d.source == "logistics@1.0:corridor-disruptions@2026-03-04"
    # The list is 265 days old on the order's date (limit 30): the decision says so.
    stale = f["logistics.data.stale"]
    assert "Corridor disruptions in force" in stale.explanation
    assert "of 2026-03-04 is 265 days older than the order date 2026-11-24" in stale.explanation
    # Air is not touched; an order of March 2026 is within the list's freshness.
    air = by_code(a.assess(order("2026-03-20", "air", "CN", "DE", None), AssessContext()))
    assert air["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "open"
    assert "logistics.data.stale" not in air and "logistics.corridor.disrupted" not in air
    # Turned off, the corridor is open and nothing is dated.
    off = LogisticsAssessor({"disruptions": False})
    f = by_code(off.assess(order("2026-11-24", "ocean", "CN", "DE", None), AssessContext()))
    assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "open"
    assert "logistics.corridor.disrupted" not in f


def test_current_orders_use_lpi_2023_with_its_source() -> None:
    a = LogisticsAssessor()
    ng = a.estimate(order("2026-11-24", "air", "CN", "NG", None))
    assert ng is not None
    lpi = ng["lpi"]
    assert (lpi["year"], lpi["customs"], lpi["dataset"]) == (2023, 2.4, "wb-lpi")
    assert lpi["published"] == "2023-04-21" and "World Bank" in lpi["source"]
    assert ng["customs_days_from_lpi"] == pytest.approx(1.1)
    # 2019 orders use the 2018 edition; 2016 orders the historic file's 2016 edition.
    assert a.estimate(order("2019-05-01", "air", "CN", "NG", None))["lpi"]["year"] == 2018  # type: ignore[index]
    old = a.estimate(order("2016-05-01", "air", "CN", "NG", None))
    assert old is not None and old["lpi"]["dataset"] == "lpi_2010_2016.csv"
    # LPI 2023 is within its five-year limit in 2026, and past it in mid-2028.
    late = by_code(a.assess(order("2028-06-01", "air", "CN", "NG", None), AssessContext()))
    assert "World Bank Logistics Performance Index" in late["logistics.data.stale"].explanation


def test_data_update_installs_disruptions_and_lpi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from borderline.cli import app
    from borderline.refdata import datasets

    monkeypatch.setenv("BORDERLINE_REFDATA_DIR", str(tmp_path / "ref"))
    datasets.cache_clear()
    try:
        # The Red Sea reopened (an invented end date, to show the update taking effect).
        shipped = (
            Path(__file__).resolve().parents[2] / "src/borderline/logistics/data/disruptions.yaml"
        ).read_text("utf-8")
        mine = tmp_path / "disruptions.yaml"
        mine.write_text(
            shipped.replace("published: 2026-03-04", "published: 2026-11-30").replace(
                "end: null", "end: 2026-11-01"
            ),
            encoding="utf-8",
        )
        r = CliRunner().invoke(app, ["data", "update", "disruptions", str(mine)])
        assert r.exit_code == 0, r.output
        assert "as of 2026-11-30" in r.stdout
        f = by_code(
            LogisticsAssessor().assess(
                order("2026-11-24", "ocean", "CN", "DE", None), AssessContext()
            )
        )
        assert f["logistics.delay.late_risk"].signals["logistics.corridor_status"] == "open"
        assert "logistics.data.stale" not in f
        # LPI workbook in the publisher's layout (a slice of the 2012-2023 workbook).
        wb = Path(__file__).parent / "fixtures" / "lpi_2018_2023_slice.xlsx"
        r = CliRunner().invoke(app, ["data", "update", "lpi", str(wb), "--published", "2023-04-21"])
        assert r.exit_code == 0, r.output
        assert "LPI components for logistics: 10 rows" in r.stdout
        assert datasets.dataset("wb-lpi").published.isoformat() == "2023-04-21"
        # Only the five countries of the slice have a 2023 edition now: Brazil falls back to
        # the historic file's 2016 edition, Nigeria has the slice's 2023 scores.
        br = LogisticsAssessor().estimate(order("2026-11-24", "air", "CN", "BR", None))
        assert br is not None and br["lpi"]["year"] == 2016
        ng = LogisticsAssessor().estimate(order("2026-11-24", "air", "CN", "NG", None))
        assert ng is not None and (ng["lpi"]["year"], ng["lpi"]["customs"]) == (2023, 2.4)
        assert ng["lpi"]["refreshed"] == date.today().isoformat()
        # A file that is not a disruption list is refused, naming the field.
        bad = tmp_path / "bad.yaml"
        bad.write_text(shipped.replace("status: diverted", "status: blocked"), encoding="utf-8")
        r = CliRunner().invoke(app, ["data", "update", "disruptions", str(bad)])
        assert r.exit_code != 0 and "status" in str(r.exception)
    finally:
        datasets.cache_clear()
