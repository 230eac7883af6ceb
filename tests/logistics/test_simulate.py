"""Disruption scenarios: shipped history reproduced, reproducibility, bad parameters refused."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput, NotFound
from borderline.logistics import (
    builtin_scenarios,
    load_scenario,
    parse_scenario,
    read_orders,
    simulate,
)

runner = CliRunner()
SHIPPED = builtin_scenarios()


def test_the_four_historical_scenarios_are_shipped() -> None:
    assert set(SHIPPED) == {"suez-2021", "red-sea-2023", "shanghai-2022", "covid-air-2020"}


@pytest.mark.parametrize("sid", sorted(SHIPPED))
def test_scenario_reproduces_published_magnitudes(sid: str) -> None:
    sc = load_scenario(SHIPPED[sid])
    assert sc.expect, "every shipped scenario must state what it reproduces"
    assert all(f.source and f.id for f in sc.facts)
    result = simulate(sc)
    misses = [c for c in result.checks if not c["ok"]]
    assert not misses, misses


def test_red_sea_detour_is_ten_to_fourteen_days_from_route_distances() -> None:
    # Not a number typed into the scenario: it comes from the Cape route in network.yaml.
    r = simulate(load_scenario(SHIPPED["red-sea-2023"]))
    c = r.corridors["CN-NL-ocean"]
    assert 10 <= c["mean_extra_days_affected"] <= 14
    assert c["rerouted_share"] == c["affected_share"]  # every affected ship went round the Cape
    assert c["extra_freight_cost_usd"]["mean"] > 0  # the longer route costs more
    assert r.corridors["CN-US-ocean"]["affected_share"] == 0


def test_suez_closure_delays_only_ships_reaching_the_canal_in_the_window() -> None:
    sc = load_scenario(SHIPPED["suez-2021"])
    r = simulate(sc)
    c = r.corridors["CN-DE-ocean"]
    assert c["extra_delay_days"]["max"] == pytest.approx(6.0, abs=0.01)  # first in the queue
    assert 0.05 < c["affected_share"] < 0.5
    assert c["late_share"]["scenario"] > c["late_share"]["baseline"]
    assert r.events[0]["backlog_clear_days"]["mean"] == pytest.approx(0.45 * 6 / 0.55, abs=0.01)


def test_same_seed_same_answer_other_seed_other_draws() -> None:
    sc = load_scenario(SHIPPED["shanghai-2022"])
    a = simulate(sc).to_dict()
    b = simulate(sc).to_dict()
    assert a == b
    sc2 = sc.model_copy(update={"simulation": sc.simulation.model_copy(update={"seed": 99})})
    c = simulate(sc2).to_dict()
    assert c["corridors"] != a["corridors"]


def _base() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED["suez-2021"].read_text(encoding="utf-8"))


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_base())
    node: Any = data
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where", "fragment"),
    [
        ("events.0.end", "2021-03-20", "events[0]", "end 2021-03-20 is not after start"),
        ("events.0.effect", "capacity_cut", "events[0]", "capacity_cut needs a value"),
        ("events.0.target.kind", "harbour", "events[0].target.kind", "Input should be"),
        ("simulation.draws", 0, "simulation.draws", "greater than or equal to 1"),
        ("simulation.days", -3, "simulation.days", "greater than 0"),
        ("flow.0.orders_per_day", -1, "flow[0].orders_per_day", "greater than 0"),
        ("events.0.start", "23/03/2021", "events[0].start", "date"),
        ("expect.0.fact", "nope", "", "unknown fact 'nope'"),
    ],
)
def test_impossible_parameters_name_the_field(
    path: str, value: Any, where: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_scenario(_with(path, value), "s.yaml")
    assert exc.value.where is not None and exc.value.where.startswith(f"s.yaml: {where}")
    assert fragment in exc.value.message


@pytest.mark.parametrize(
    ("effect", "value", "fragment"),
    [
        ("capacity_cut", -0.2, "capacity_cut value -0.2 outside"),  # negative cut
        ("capacity_cut", 1.4, "capacity_cut value 1.4 outside"),  # negative capacity left
        ("cost_multiplier", {"low": 2, "high": 1}, "high (1.0) is below low (2.0)"),
        ("added_days", {"low": -3, "high": 5}, "added_days value -3.0 outside"),
        ("demand_shift", -1, "demand_shift value -1.0 outside"),
    ],
)
def test_impossible_values(effect: str, value: Any, fragment: str) -> None:
    data = _base()
    data["events"][0].update({"effect": effect, "value": value})
    with pytest.raises(InvalidInput) as exc:
        parse_scenario(data, "s.yaml")
    assert fragment in exc.value.message
    assert exc.value.where is not None and exc.value.where.startswith("s.yaml: events[0]")


def test_negative_duration_is_refused() -> None:
    data = _base()
    del data["events"][0]["end"]
    data["events"][0]["duration_days"] = {"low": -2, "high": 4}
    with pytest.raises(InvalidInput, match="duration_days must be positive"):
        parse_scenario(data, "s.yaml")


def test_unknown_node_and_country_are_refused() -> None:
    data = _base()
    data["events"][0]["target"]["id"] = "kiel"
    with pytest.raises(InvalidInput) as exc:
        simulate(parse_scenario(data))
    assert exc.value.where == "events[0].target.id"
    assert "unknown chokepoint 'kiel'" in exc.value.message
    data = _base()
    data["flow"][0]["destination"] = "QQ"
    with pytest.raises(InvalidInput, match="unknown country 'QQ'"):
        simulate(parse_scenario(data))


def test_too_many_draws_refused_before_allocating() -> None:
    data = _base()
    data["simulation"].update({"draws": 1_000_000, "max_memory_mb": 512})
    with pytest.raises(InvalidInput) as exc:
        simulate(parse_scenario(data))
    assert exc.value.where == "simulation.draws"
    assert "over the limit of 512 MB" in exc.value.message


ORDERS = """\
id,ship_date,origin_country,destination_country,mode,value,weight_kg,cover_days,daily_sales
o1,2021-02-20,CN,DE,ocean,10000,500,,
o2,2021-02-28,CN,GB,ocean,20000,900,3,5000
o3,2021-03-01,CN,DE,air,900,20,,
o4,2021-04-20,CN,DE,ocean,10000,500,,
"""


def test_orders_file_drives_the_simulation(tmp_path: Path) -> None:
    sc = load_scenario(SHIPPED["suez-2021"])
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    flow = read_orders(path, sc.simulation.start)
    assert flow.ids == ["o1", "o2", "o3", "o4"]
    assert np.isnan(flow.cover[0]) and flow.cover[1] == 3
    r = simulate(sc, flow)
    assert set(r.corridors) == {"CN-DE-ocean", "CN-GB-ocean", "CN-DE-air"}
    # o2 leaves 28 Feb and reaches Suez ~26 days later (25 Mar), inside the closure.
    assert r.corridors["CN-GB-ocean"]["affected_share"] > 0.9
    assert r.corridors["CN-DE-air"]["affected_share"] == 0


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("o9,2021-02-30,CN,DE,ocean,1,1,,", "column 'ship_date': unparseable date '2021-02-30'"),
        ("o9,2021-02-03,CN,Mordor,ocean,1,1,,", "unknown country 'Mordor'"),
        ("o9,2021-02-03,CN,DE,ocean,lots,1,,", "column 'value': text 'lots'"),
        ("o9,2021-02-03,CN,DE,canoe,1,1,,", "unknown mode 'canoe'"),
    ],
)
def test_orders_file_errors_name_the_row(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS + line + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_orders(path, load_scenario(SHIPPED["suez-2021"]).simulation.start)
    assert exc.value.where == f"{path}:6"
    assert fragment in exc.value.message


def test_no_route_for_corridor_is_an_error(tmp_path: Path) -> None:
    sc = load_scenario(SHIPPED["suez-2021"])
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.splitlines()[0] + "\nx,2021-02-20,BR,AU,ocean,1,1,,\n", "utf-8")
    with pytest.raises(InvalidInput, match="no route from BR to AU by ocean"):
        simulate(sc, read_orders(path, sc.simulation.start))


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_simulate_cli_json_and_plot(tmp_path: Path, suffix: str) -> None:
    plot = tmp_path / f"chart{suffix}"
    result = runner.invoke(
        app,
        ["logistics", "simulate", "red-sea-2023", "--draws", "50", "--json", "--plot", str(plot)],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["draws"] == 50 and body["scenario"]["id"] == "red-sea-2023"
    assert all(c["ok"] for c in body["checks"])
    head = plot.read_bytes()[:64]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in plot.read_bytes()


def test_simulate_cli_errors() -> None:
    result = runner.invoke(app, ["logistics", "simulate", "atlantis-2030"])
    assert isinstance(result.exception, NotFound)
    result = runner.invoke(app, ["logistics", "simulate", "suez-2021", "--plot", "x.gif"])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.where == "x.gif"


@settings(max_examples=25, deadline=None)
@given(
    start_offset=st.integers(min_value=-20, max_value=60),
    duration=st.floats(min_value=0.5, max_value=40),
    effect=st.sampled_from(["closure", "capacity_cut", "added_days"]),
    value=st.floats(min_value=0.05, max_value=0.95),
    reroute=st.booleans(),
)
def test_simulation_invariants(
    start_offset: int, duration: float, effect: str, value: float, reroute: bool
) -> None:
    data = _base()
    data["simulation"].update({"draws": 20, "days": 20})
    event: dict[str, Any] = {
        "target": {"kind": "chokepoint", "id": "suez"},
        "effect": effect,
        "start": date(2021, 2, 1) + timedelta(days=start_offset),
        "duration_days": duration,
        "reroute": reroute,
    }
    if effect == "capacity_cut":
        event["value"] = value
    elif effect == "added_days":
        event["value"] = value * 10
    data["events"] = [event]
    data["expect"] = []
    r = simulate(parse_scenario(data))
    u = 0.45  # the Suez node's utilisation
    for key, c in r.corridors.items():
        assert c["extra_delay_days"]["max"] >= 0
        # Upper bounds from the fluid queue: a closure costs at most its length plus the queue
        # it built (a detour is only taken when shorter); a cut at most the queue grown over
        # the whole window; added days exactly their value.
        if effect == "closure":
            bound = duration * (1 + u)
        elif effect == "capacity_cut":
            bound = max(0.0, u - (1 - value)) * duration / (1 - value)
        else:
            bound = value * 10
        assert c["extra_delay_days"]["max"] <= bound + 2e-3  # figures are rounded to 0.001
        assert c["late_share"]["scenario"] >= c["late_share"]["baseline"]
        if key.endswith("-air"):
            assert c["affected_share"] == 0
        if not reroute:
            assert c["rerouted_share"] == 0
    assert simulate(parse_scenario(data)).to_dict() == r.to_dict()


def test_simulate_cli_with_the_example_orders_file() -> None:
    from importlib import resources

    orders = resources.files("borderline.logistics") / "data" / "examples" / "orders-red-sea.csv"
    r = runner.invoke(
        app,
        [
            "logistics",
            "simulate",
            "red-sea-2023",
            "--orders",
            str(orders),
            "--draws",
            "100",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    c = json.loads(r.stdout)["corridors"]
    # India to Europe through Bab el-Mandeb: the Cape detour is longer from Nhava Sheva.
    assert (
        c["IN-DE-ocean"]["mean_extra_days_affected"] > c["CN-DE-ocean"]["mean_extra_days_affected"]
    )
    assert c["CN-US-ocean"]["affected_share"] == 0 and c["CN-DE-air"]["affected_share"] == 0
    # Replenishment orders late beyond their cover lose sales.
    assert c["CN-NL-ocean"]["stockouts"]["mean"] > 0.5
    assert c["CN-GB-ocean"]["stockouts"]["mean"] < 0.5  # 14 days of cover absorb the detour


@pytest.mark.parametrize(
    ("origin", "dest", "mode", "route", "days"),
    [
        ("CN", "DE", "ocean", "asia-europe-ocean-suez", (38, 41)),
        ("DE", "CN", "ocean", "europe-asia-ocean-suez", (38, 41)),
        ("CN", "US", "ocean", "asia-north-america-ocean", (23, 27)),
        ("IN", "NL", "ocean", "south-asia-europe-ocean-suez", (25, 29)),
        ("CN", "BR", "ocean", "asia-latin-america-ocean", (39, 44)),
        ("CN", "KE", "ocean", "asia-east-africa-ocean", (28, 32)),
        ("CN", "NG", "ocean", "asia-africa-ocean-cape", (43, 48)),
        ("CN", "DE", "rail", "china-europe-rail", (18, 18)),
        ("US", "FR", "postal", "world-postal", (14, 14)),
        ("BR", "AU", "ocean", None, None),
    ],
)
def test_route_table(
    origin: str, dest: str, mode: str, route: str | None, days: tuple[int, int] | None
) -> None:
    from borderline.logistics import default_network

    r = default_network().find_route(origin, dest, mode)
    if route is None:
        assert r is None
        return
    assert r is not None and r.id == route
    assert days is not None and days[0] <= r.transit_days <= days[1]
    if r.alternative:  # every alternative avoids a chokepoint the primary passes
        alt = default_network().route(r.alternative)
        assert r.nodes() - alt.nodes()
