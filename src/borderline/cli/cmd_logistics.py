"""``borderline logistics …`` and ``borderline bench logistics``.

Commands parse arguments, call :mod:`borderline.logistics` and print; no business logic here.
Heavy libraries (LightGBM, matplotlib) are imported inside the commands so that starting the
CLI for any other command stays fast.
"""

from __future__ import annotations

import csv
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput

logistics_app = typer.Typer(
    help="Logistics risk: late-delivery model, disruption scenarios, fulfilment comparison.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(logistics_app, name="logistics")


def _print_metrics(report: dict[str, Any]) -> None:
    tr, te = report["train_period"], report["test_period"]
    typer.echo(
        f"train {report['n_train']} shipments {tr[0]}..{tr[1]} "
        f"(late {report['late_rate_train']:.1%}); test {report['n_test']} {te[0]}..{te[1]} "
        f"(late {report['late_rate_test']:.1%})"
    )
    if report.get("n_test_unlabelled"):
        typer.echo(
            f"{report['n_test_unlabelled']} test shipment(s) without an outcome: scored, "
            "not measured"
        )
    typer.echo(f"{'model':<22}{'ROC-AUC':>9}{'PR-AUC':>9}{'Brier':>9}{'lift@10%':>10}")
    for name, m in (
        ("lightgbm", report["metrics"]),
        ("logistic regression", report["baseline"]["metrics"]),
    ):
        typer.echo(
            f"{name:<22}{m['roc_auc']:>9.4f}{m['pr_auc']:>9.4f}{m['brier']:>9.4f}{m['lift_top10']:>10.3f}"
        )


@logistics_app.command("evaluate")
def evaluate_cmd(
    train: Path = typer.Option(..., "--train", help="Shipment history to learn from."),
    test: Path = typer.Option(..., "--test", help="Later shipments to score and measure."),
    fmt: str = typer.Option(..., "--format", help="scms (USAID SCMS file) or shipments (ours)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    predictions: Path = typer.Option(
        None, "--predictions", help="Write a CSV row per test shipment: ID,probability."
    ),
) -> None:
    """Train the late-delivery model on --train, measure it on --test (vs logistic regression)."""
    from borderline.logistics import evaluate, load_history

    if predictions is not None and not predictions.parent.exists():
        raise InvalidInput("folder does not exist", where=str(predictions))
    train_h = load_history(train, fmt)
    test_h = load_history(test, fmt)
    result = evaluate(train_h, test_h)
    if predictions is not None:
        with predictions.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["ID", "probability"])
            for rid, p in zip(result.ids, result.probabilities, strict=True):
                w.writerow([rid, f"{p:.6f}"])
    report = result.to_dict()
    if as_json:
        echo_json(report)
    else:
        _print_metrics(report)


@logistics_app.command("train")
def train_cmd(
    train: Path = typer.Option(..., "--train", help="Shipment history to learn from."),
    fmt: str = typer.Option(..., "--format", help="scms or shipments (use shipments for orders)."),
    out: Path = typer.Option(..., "--out", help="Model file to write (JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
) -> None:
    """Train the late-delivery model and save it for LogisticsAssessor's `model` setting."""
    from borderline.logistics import MODEL_VERSION, load_history, save_model
    from borderline.logistics import train as fit

    history = load_history(train, fmt)
    model = fit(history)
    save_model(model, out, trained_on=f"{train.name} ({fmt}, {len(history.frame)} shipments)")
    summary = {
        "model": str(out),
        "version": MODEL_VERSION,
        "shipments": len(history.frame),
        "late_rate": round(model.base_rate, 4),
        "mean_delay_if_late_days": round(model.mean_delay_if_late, 2),
    }
    if as_json:
        echo_json(summary)
    else:
        typer.echo(
            f"wrote {out}: {summary['shipments']} shipments, late rate {model.base_rate:.1%}"
        )


@logistics_app.command("scenarios")
def scenarios_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the shipped historical scenarios."""
    from borderline.logistics import builtin_scenarios, load_scenario

    rows = []
    for sid, path in builtin_scenarios().items():
        s = load_scenario(path)
        rows.append({"id": sid, "name": s.name, "events": len(s.events), "path": str(path)})
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<18} {r['name']}")


@logistics_app.command("simulate")
def simulate_cmd(
    scenario: str = typer.Argument(..., help="Scenario YAML file, or a shipped scenario id."),
    orders: Path = typer.Option(None, "--orders", help="Orders CSV; default: the scenario's flow."),
    draws: int = typer.Option(None, "--draws", min=1, help="Override simulation.draws."),
    seed: int = typer.Option(None, "--seed", help="Override simulation.seed."),
    network: Path = typer.Option(None, "--network", help="Route table YAML (default: shipped)."),
    plot: Path = typer.Option(None, "--plot", help="Write a chart (.png or .svg)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Monte Carlo of a disruption scenario: delays, late share, stock-outs, cost, revenue."""
    from borderline import logistics  # logistics.simulate: the name is also a submodule's
    from borderline.logistics import load_network, read_orders, resolve_scenario

    sc = resolve_scenario(scenario)
    if draws is not None or seed is not None:
        sim = sc.simulation.model_copy(
            update={k: v for k, v in (("draws", draws), ("seed", seed)) if v is not None}
        )
        sc = sc.model_copy(update={"simulation": sim})
    if plot is not None:
        from borderline.logistics import check_plot_path

        check_plot_path(plot)  # refuse a bad plot path before spending the simulation
    flow = read_orders(orders, sc.simulation.start) if orders is not None else None
    result = logistics.simulate(sc, flow, load_network(network))
    if plot is not None:
        from borderline.logistics import plot_simulation

        plot_simulation(result, plot)
    out = result.to_dict()
    if as_json:
        echo_json(out)
        return
    typer.echo(
        f"{sc.name}: {result.orders} orders x {result.draws} draws (seed {sc.simulation.seed})"
    )
    typer.echo(
        f"{'corridor':<16}{'orders':>7}{'hit':>7}{'extra d':>9}{'p90 d':>7}{'late':>13}"
        f"{'freight +$':>13}{'revenue at risk $':>19}"
    )
    for key, c in out["corridors"].items():
        late = f"{c['late_share']['baseline']:.0%}->{c['late_share']['scenario']:.0%}"
        typer.echo(
            f"{key:<16}{c['orders']:>7}{c['affected_share']:>7.0%}"
            f"{c['mean_extra_days_affected']:>9.1f}{c['extra_delay_days']['p90']:>7.1f}{late:>13}"
            f"{c['extra_freight_cost_usd']['mean']:>13,.0f}{c['revenue_at_risk_usd']['mean']:>19,.0f}"
        )
    for chk in out["checks"]:
        mark = "skip" if chk["ok"] is None else "ok  " if chk["ok"] else "MISS"
        scope = chk["corridor"] or f"event {chk['event']}"
        typer.echo(
            f"{mark} {scope} {chk['metric']} = {chk['value']} in {chk['between']} ({chk['fact']})"
        )
    if plot is not None:
        typer.echo(f"chart: {plot}")


@logistics_app.command("compare")
def compare_cmd(
    config: Path = typer.Argument(..., help="Fulfilment comparison YAML (docs/logistics.md)."),
    plot: Path = typer.Option(None, "--plot", help="Write a chart (.png or .svg)."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """Compare postal/express direct, bonded warehouse, overseas warehouse and dropshipping."""
    from borderline import logistics  # logistics.compare: the name is also a submodule's
    from borderline.logistics import load_compare_config

    if plot is not None:
        from borderline.logistics import check_plot_path

        check_plot_path(plot)
    cfg = load_compare_config(config)
    result = logistics.compare(cfg)
    if plot is not None:
        from borderline.logistics import plot_comparison

        plot_comparison(result.rows, result.delivery_days, plot)
    if as_json:
        echo_json(result.to_dict())
        return
    typer.echo(
        f"{'model':<20}{'landed $':>10}{'freight':>9}{'duty+tax':>10}{'days p50':>9}{'p90':>6}"
        f"{'late':>7}{'hold':>7}{'stockout':>9}{'FX days':>8}{'disrupt d':>10}{'inbound d':>10}"
    )
    for r in result.rows:
        typer.echo(
            f"{r['model']:<20}{r['landed_cost_per_order_usd']:>10.2f}{r['freight_usd']:>9.2f}"
            f"{r['duty_usd'] + r['vat_usd']:>10.2f}{r['delivery_days']['p50']:>9.1f}"
            f"{r['delivery_days']['p90']:>6.1f}{r['late_share']:>7.1%}{r['customs_hold_share']:>7.1%}"
            f"{r['stockout_share']:>9.1%}{r['fx_exposure_days']:>8.0f}"
            f"{r['disruption_extra_days']:>10.1f}{r['inbound_disruption_days']:>10.1f}"
        )
    typer.echo(f"landed cost: {result.landed_cost_method}")
    if plot is not None:
        typer.echo(f"chart: {plot}")


def _machine() -> str:
    import os

    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}, "
        f"{datetime.now(UTC).date().isoformat()}"
    )


@bench_app.command("logistics")
def bench_logistics(
    data: Path = typer.Option(None, "--data", help="SCMS file (default: the shipped copy)."),
    split_year: list[int] = typer.Option(
        [2010, 2011, 2012], "--split-year", help="Last year in the training part (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Late-delivery model on time splits of SCMS, and every shipped scenario's checks."""
    import time
    from importlib import resources

    from borderline import logistics  # logistics.simulate: also a submodule's name
    from borderline.logistics import (
        builtin_scenarios,
        evaluate,
        load_scenario,
        load_scms,
        split_by_year,
    )

    path = data or Path(
        str(resources.files("borderline.logistics") / "data" / "scms_train_2006_2013.csv")
    )
    t = time.perf_counter()
    history = load_scms(path)
    t_load = time.perf_counter() - t
    report: dict[str, Any] = {
        "machine": _machine(),
        "data": str(path),
        "rows": len(history.frame),
        "load_seconds": round(t_load, 2),
        "splits": [],
        "scenarios": [],
    }
    for year in split_year:
        train_h, test_h = split_by_year(history, year)
        t = time.perf_counter()
        ev = evaluate(train_h, test_h)
        report["splits"].append(
            {
                "split": f"train <= {year}, test > {year} (scheduled delivery year)",
                "seconds_train_and_score": round(time.perf_counter() - t, 2),
                **ev.to_dict(),
            }
        )
    for sid, spath in builtin_scenarios().items():
        sc = load_scenario(spath)
        t = time.perf_counter()
        res = logistics.simulate(sc)
        secs = time.perf_counter() - t
        report["scenarios"].append(
            {
                "id": sid,
                "orders": res.orders,
                "draws": res.draws,
                "seconds": round(secs, 3),
                "checks": res.checks,
            }
        )
    report["assessor"] = _bench_assessor()
    if as_json:
        echo_json(report)
        return
    typer.echo(f"machine: {report['machine']}")
    typer.echo(f"data: {report['data']} ({report['rows']} rows, loaded in {t_load:.2f}s)")
    for sp in report["splits"]:
        typer.echo(f"-- {sp['split']}, train+score {sp['seconds_train_and_score']:.1f}s")
        _print_metrics(sp)
    for s in report["scenarios"]:
        ok = sum(bool(c["ok"]) for c in s["checks"])
        typer.echo(
            f"scenario {s['id']:<16} {s['orders']:>6} orders x {s['draws']} draws "
            f"{s['seconds']:.2f}s  checks {ok}/{len(s['checks'])}"
        )
        for c in s["checks"]:
            if c["ok"] is False:
                typer.echo(f"  MISS {c['metric']} = {c['value']} not in {c['between']}")
    a = report["assessor"]
    typer.echo(
        f"assessor: {a['orders']} orders, {a['ms_per_order_no_scenario']:.2f} ms/order without "
        f"scenarios, {a['ms_per_order_red_sea']:.2f} ms/order with red-sea-2023 active "
        f"({a['diverted']} diverted), {a['ms_per_order_batch_red_sea']:.2f} ms/order "
        "through assess_many"
    )


def _bench_assessor(n: int = 300) -> dict[str, Any]:
    """Per-order latency of LogisticsAssessor on generated orders (CN to NL/US, sea and air)."""
    import time
    from datetime import timedelta

    from borderline.engine import AssessContext
    from borderline.logistics import LogisticsAssessor
    from borderline.model import Order

    start = datetime(2024, 1, 2, 9, tzinfo=UTC)
    orders = []
    for i in range(n):
        dest, mode = [("NL", "ocean"), ("US", "ocean"), ("NL", "air")][i % 3]
        orders.append(
            Order.model_validate(
                {
                    "id": f"b{i}",
                    "created_at": (start + timedelta(hours=7 * i)).isoformat(),
                    "currency": "USD",
                    "total": "1000",
                    "parties": [{"role": "buyer", "name": "B", "address": {"country": dest}}],
                    "items": [{"title": "goods", "quantity": 1, "unit_price": "1000"}],
                    "shipment": {
                        "mode": mode,
                        "origin_country": "CN",
                        "destination_country": dest,
                        "weight_kg": "40",
                    },
                }
            )
        )
    ctx = AssessContext()
    out: dict[str, Any] = {"orders": n}
    for label, cfg in (("no_scenario", {}), ("red_sea", {"scenarios": ["red-sea-2023"]})):
        assessor = LogisticsAssessor(cfg)
        t = time.perf_counter()
        results = [assessor.assess(o, ctx) for o in orders]
        out[f"ms_per_order_{label}"] = round((time.perf_counter() - t) * 1000 / n, 3)
        if label == "red_sea":
            t = time.perf_counter()
            assessor.assess_many(orders, ctx)
            out["ms_per_order_batch_red_sea"] = round((time.perf_counter() - t) * 1000 / n, 3)
            out["diverted"] = sum(
                any(f.signals.get("logistics.corridor_status") == "diverted" for f in r)
                for r in results
            )
    return out
