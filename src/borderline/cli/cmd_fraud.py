"""``borderline fraud …`` (simulate, generate, evaluate, train, models, promote, rollback,
drift) and ``borderline bench fraud``. Thin: parse, call ``borderline.fraud``, print."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput

fraud_app = typer.Typer(
    help="Fraud model: simulate and generate data, evaluate, train, registry, drift.",
    no_args_is_help=True,
)


def _registry(path: Path | None) -> Any:
    """The registry at ``--registry``, else in the data folder of this command's settings."""
    from borderline.cli._services import cli_settings
    from borderline.fraud import Registry, models_dir

    return Registry(path if path is not None else models_dir(cli_settings().data_dir))


def _date(value: str, where: str) -> datetime:
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", where=where) from None
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _fmt(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


@fraud_app.command("simulate")
def simulate_cmd(
    out: Path = typer.Option(..., "--out", help="Folder for one file per day."),
    fmt: str = typer.Option("parquet", "--format", help="csv or parquet."),
    customers: int = typer.Option(5000, help="Customers (Handbook: 5,000)."),
    terminals: int = typer.Option(10000, help="Terminals (Handbook: 10,000)."),
    days: int = typer.Option(183, help="Days from 2018-04-01 (Handbook: 183)."),
    seed: int = typer.Option(0, help="Random seed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Simulate card transactions in the Fraud Detection Handbook's schema."""
    from borderline.bench.handbook.simulate import (
        SimulationConfig,
        config_dict,
        simulate,
        write_daily,
    )

    cfg = SimulationConfig(n_customers=customers, n_terminals=terminals, days=days, seed=seed)
    df = simulate(cfg)
    files = write_daily(df, out, fmt)
    summary = {
        "out": str(out),
        "files": len(files),
        "transactions": len(df),
        "frauds": int(df["TX_FRAUD"].sum()),
        "fraud_rate": float(df["TX_FRAUD"].mean()),
        "by_scenario": {str(k): int(v) for k, v in df["TX_FRAUD_SCENARIO"].value_counts().items()},
        "config": config_dict(cfg),
    }
    if as_json:
        echo_json(summary)
    else:
        typer.echo(
            f"{summary['transactions']} transactions ({summary['frauds']} frauds) in "
            f"{summary['files']} files under {out}"
        )


@fraud_app.command("generate")
def generate_cmd(
    out: Path = typer.Option(..., "--out", help="Folder for orders.jsonl and labels.csv."),
    orders: int = typer.Option(20000, help="Number of orders."),
    days: int = typer.Option(120, help="Days the orders span."),
    start: str = typer.Option("2026-01-01", help="First day (YYYY-MM-DD)."),
    seed: int = typer.Option(0, help="Random seed."),
    parquet: bool = typer.Option(False, help="Also write flat feature columns (orders.parquet)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Generate synthetic cross-border orders with fraud patterns, and their labels."""
    from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate, to_order_json

    cfg = OrderSimConfig(
        n_orders=orders, days=days, seed=seed, start=_date(start, "--start").date()
    )
    df, labels = generate(cfg)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "orders.jsonl").open("w", encoding="utf-8") as fh:
        for row in df.itertuples(index=False):
            fh.write(json.dumps(to_order_json(row), ensure_ascii=False) + "\n")
    labels.to_csv(out / "labels.csv", index=False)
    if parquet:
        flat_frame(df).to_parquet(out / "orders.parquet", index=False)
    summary = {
        "out": str(out),
        "orders": len(df),
        "labels": len(labels),
        "frauds": int(df["is_fraud"].sum()),
        "by_pattern": {k or "genuine": int(v) for k, v in df["pattern"].value_counts().items()},
    }
    if as_json:
        echo_json(summary)
    else:
        typer.echo(
            f"{summary['orders']} orders, {summary['frauds']} frauds, "
            f"{summary['labels']} labels in {out}"
        )


@fraud_app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="Handbook file/folder, or orders.jsonl."),
    fmt: str = typer.Option("", "--format", help="handbook or orders (default: from --data)."),
    protocol: str = typer.Option("prequential", help="prequential or single (handbook)."),
    feature_set: str = typer.Option("borderline", help="handbook or borderline (handbook)."),
    labels: Path = typer.Option(None, "--labels", help="labels.csv (orders)."),
    split_date: str = typer.Option(None, "--split-date", help="First test day (orders)."),
    folds: int = typer.Option(
        1,
        "--folds",
        min=1,
        help="Orders: 1 tests everything from --split-date; N > 1 runs N prequential folds "
        "of --test-days each, cut-offs going back from --split-date.",
    ),
    test_days: int = typer.Option(7, "--test-days", min=1, help="Days per prequential fold."),
    delay_days: int = typer.Option(7, "--delay-days", help="Label delay in days."),
    rounds: int = typer.Option(
        0, "--rounds", help="Boosting rounds (0: the default, 400 for handbook, 150 for orders)."
    ),
    predictions: Path = typer.Option(None, "--predictions", help="Write per-row scores (CSV)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Evaluate the model: the Handbook protocol, or a time split on Borderline orders."""
    kind = fmt or ("orders" if data.suffix.lower() in (".jsonl", ".ndjson") else "handbook")
    if kind == "handbook":
        from borderline.bench.handbook import evaluate, load_transactions

        df = load_transactions(data)
        if rounds:
            report, preds = evaluate(df, protocol, feature_set, delay_days, rounds=rounds)
        else:
            report, preds = evaluate(df, protocol, feature_set, delay_days)
        report["data"] = {
            "path": str(data),
            "transactions": len(df),
            "from": str(df["TX_DATETIME"].min()),
            "to": str(df["TX_DATETIME"].max()),
        }
        if predictions is not None:
            preds.to_csv(predictions, index=False, columns=["fold", "TRANSACTION_ID", "score"])
        if as_json:
            echo_json(report)
            return
        typer.echo(
            f"{'fold':>4} {'test week':>11} {'n':>7} {'frauds':>6} {'AUC':>7} "
            f"{'AP':>7} {'CP@100':>7}"
        )
        for f in report["folds"]:
            typer.echo(
                f"{f['fold']:>4} {f['test_start']:>11} {f['n_test']:>7} "
                f"{f['n_test_frauds']:>6} {f['auc']:7.4f} {f['ap']:7.4f} {f['cp100']:7.4f}"
            )
        s = report["summary"]
        typer.echo(
            "mean±std  "
            + "  ".join(
                f"{k.upper()} {s[k]['mean']:.4f}±{s[k]['std']:.4f}" for k in ("auc", "ap", "cp100")
            )
        )
        return
    if kind != "orders":
        raise InvalidInput(f"unknown format {kind!r}; handbook or orders", where="--format")
    if labels is None or split_date is None:
        raise InvalidInput("orders need --labels FILE and --split-date DATE", where="--data")
    from borderline.fraud import evaluate_prequential, evaluate_split, read_labels, read_orders

    _, flat = read_orders(data)
    labs = read_labels(labels, known_ids=flat["order_id"])
    split = _date(split_date, "--split-date")
    if folds > 1:
        report, preds = evaluate_prequential(
            flat, labs, split, folds, test_days, delay_days, rounds=rounds or None
        )
        if predictions is not None:
            preds.to_csv(predictions, index=False, columns=["fold", "order_id", "score"])
        if as_json:
            echo_json(report)
            return
        typer.echo(f"{'fold':>4} {'cut-off':>10} {'n':>7} {'frauds':>6} {'AUC':>7} {'AP':>7} R@1%")
        for f in report["folds"]:
            typer.echo(
                f"{f['fold']:>4} {f['cut_off'][:10]:>10} {f['n_test']:>7} {f['n_test_frauds']:>6} "
                f"{f['auc']:7.4f} {f['ap']:7.4f} {f['recall_at_1pct_fpr']:.4f}"
            )
        sm = report["summary"]
        typer.echo(
            "mean±std  " + "  ".join(f"{k} {v['mean']:.4f}±{v['std']:.4f}" for k, v in sm.items())
        )
        return
    report, preds = evaluate_split(flat, labs, split, delay_days, rounds=rounds or None)
    if predictions is not None:
        preds.to_csv(predictions, index=False, columns=["order_id", "score"])
    if as_json:
        echo_json(report)
    else:
        for k in ("n_train", "n_test", "n_test_frauds", "auc", "ap", "recall_at_1pct_fpr"):
            typer.echo(f"{k:>20}  {_fmt(report[k])}")


@fraud_app.command("train")
def train_cmd(
    data: Path = typer.Option(None, "--data", help="orders.jsonl"),
    labels: Path = typer.Option(None, "--labels", help="labels.csv"),
    stored: bool = typer.Option(
        False, "--stored", help="Train on the orders and labels stored in the database instead."
    ),
    until: str = typer.Option(None, "--until", help="Train on orders before this day."),
    delay_days: int = typer.Option(7, "--delay-days", help="Label delay in days."),
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
    champion: bool = typer.Option(False, "--champion", help="Register as champion directly."),
    rounds: int = typer.Option(150, "--rounds", help="Boosting rounds."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Train a model on orders and labels; it joins the registry as challenger."""
    from borderline.fraud import read_labels, read_orders, train

    if stored == (data is not None) or (data is not None and labels is None):
        raise InvalidInput("give --data FILE --labels FILE, or --stored", where="fraud train")
    if stored:
        # The feedback loop: orders the engine assessed and labels from POST /v1/labels.
        from borderline.cli._services import cli_settings
        from borderline.fraud import models_dir, stored_history
        from borderline.store import make_engine, session_factory

        settings = cli_settings()
        engine = make_engine(settings.url)
        try:
            with session_factory(engine)() as s:
                flat, labs = stored_history(s)
        finally:
            engine.dispose()
        if len(flat) == 0:
            raise InvalidInput("no stored orders to train on", where=settings.url)
        if registry is None:
            registry = models_dir(settings.data_dir)
    else:
        _, flat = read_orders(data)
        labs = read_labels(labels, known_ids=flat["order_id"])
    model = train(
        flat,
        labs,
        until=_date(until, "--until") if until else None,
        label_delay_days=delay_days,
        rounds=rounds,
    )
    reg = _registry(registry)
    version = reg.register(model, role="champion" if champion else "challenger")
    card = {k: v for k, v in reg.card(version).items() if k != "reference"}
    if as_json:
        echo_json(card)
    else:
        role = "champion" if reg.list()["champion"] == version else "challenger"
        typer.echo(f"registered {version} ({role}); threshold {model.threshold:.4f}")


@fraud_app.command("models")
def models_cmd(
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List registered models with their roles."""
    listing = _registry(registry).list()
    if as_json:
        echo_json(listing)
        return
    for m in listing["models"]:
        typer.echo(f"{m['version']}  {m['role'] or '':10}  threshold={m['threshold']}")


@fraud_app.command("show")
def show_cmd(
    version: str = typer.Argument("champion"),
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
) -> None:
    """Print a model card (JSON)."""
    card = _registry(registry).card(version)
    card.pop("reference", None)
    echo_json(card)


@fraud_app.command("promote")
def promote_cmd(
    version: str = typer.Argument("challenger"),
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
) -> None:
    """Make a model champion (refused if its file is corrupt; the champion stays)."""
    v = _registry(registry).promote(version)
    typer.echo(f"champion: {v}")


@fraud_app.command("rollback")
def rollback_cmd(
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
) -> None:
    """Put the previous champion back in service."""
    v = _registry(registry).rollback()
    typer.echo(f"champion: {v}")


@fraud_app.command("drift")
def drift_cmd(
    data: Path = typer.Option(..., "--data", help="orders.jsonl of recent orders."),
    labels: Path = typer.Option(None, "--labels", help="labels.csv (for label-aware features)."),
    history: Path = typer.Option(
        None, "--history", help="Earlier orders.jsonl giving the recent orders their history."
    ),
    model: str = typer.Option("champion", "--model"),
    registry: Path = typer.Option(None, "--registry", help="Registry folder."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Population stability (PSI) of features and scores against the model's training data."""
    import pandas as pd

    from borderline.fraud import offline_features, psi_report, read_labels, read_orders

    _, flat = read_orders(data)
    n_recent = len(flat)
    if history is not None:
        _, hist = read_orders(history)
        flat = pd.concat([hist, flat], ignore_index=True)
    labs = read_labels(labels, known_ids=flat["order_id"]) if labels is not None else None
    m = _registry(registry).load(model)
    X = offline_features(flat, labs, int(m.card.get("label_delay_days", 7))).iloc[-n_recent:]
    report = psi_report(m.card["reference"], X, m.predict(X) * 100)
    report["model_version"] = m.version
    if as_json:
        echo_json(report)
        return
    typer.echo(f"score PSI {report['score']['psi']:.4f} ({report['score']['level']})")
    for r in report["features"][:15]:
        typer.echo(f"  {r['feature']:40} {r['psi']:.4f}  {r['level']}")


@bench_app.command("fraud")
def bench_fraud_cmd(
    orders: int = typer.Option(1_000_000, help="Orders for the features+training timing."),
    score_orders: int = typer.Option(5000, help="Orders scored one by one for latency."),
    latency_orders: int = typer.Option(
        50_000, help="Orders in the latency stream (a model is trained on them)."
    ),
    handbook: bool = typer.Option(True, help="Also run the Handbook protocol."),
    customers: int = typer.Option(5000, help="Handbook simulation customers."),
    terminals: int = typer.Option(10000, help="Handbook simulation terminals."),
    seeds: str = typer.Option("1", help="Handbook simulation seeds, comma-separated."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Measure the fraud model: Handbook protocol, 1M-order training time, scoring p99."""
    from borderline.bench.fraud import run

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput("seeds must be integers separated by commas", where="--seeds") from None
    result = run(
        orders=orders,
        score_orders=score_orders,
        handbook=handbook,
        customers=customers,
        terminals=terminals,
        seeds=seed_list,
        progress=lambda m: typer.echo(f"... {m}", err=True),
        latency_orders=latency_orders,
    )
    if as_json:
        echo_json(result)
        return
    from borderline.bench.fraud import render

    typer.echo(render(result))


def register(app: typer.Typer) -> None:
    app.add_typer(fraud_app, name="fraud")
