"""``borderline bench fraud``: the figures recorded in docs/benchmarks/fraud.md.

1. The Handbook protocol on our re-implemented simulation (prequential and single split), with
   the Handbook's own 15 features and with Borderline's, against the published figures.
2. Feature computation + training time on N synthetic orders (target: 1M in <= 3 minutes),
   and the model's quality on a later time slice of the same data.
3. Scoring latency of one order in-process with online features (target: p99 <= 2 ms), with
   the in-memory store, the SQLite store and, when ``BORDERLINE_DATABASE_URL``
   (``borderline --database-url …``) names a PostgreSQL server, a PostgreSQL store in a scratch
   database created and dropped on that server.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate, to_order_json
from borderline.errors import InvalidInput
from borderline.fraud import (
    MemoryFeatureStore,
    auc,
    average_precision,
    labels_vector,
    offline_features,
    recall_at_fpr,
    train,
)


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(),
    }


def _handbook(
    seeds: list[int], customers: int, terminals: int, progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    from borderline.bench.handbook import SimulationConfig, evaluate, simulate

    out = []
    for seed in seeds:
        progress(f"handbook simulation seed {seed}")
        df = simulate(SimulationConfig(n_customers=customers, n_terminals=terminals, seed=seed))
        for fs in ("handbook", "borderline"):
            t0 = time.perf_counter()
            rep, _ = evaluate(df, "prequential", fs)
            progress(f"  prequential/{fs}: {rep['summary']}")
            folds = [
                {
                    k: f[k]
                    for k in (
                        "fold",
                        "train_start",
                        "test_start",
                        "n_test",
                        "n_test_frauds",
                        "auc",
                        "ap",
                        "cp100",
                    )
                }
                for f in rep["folds"]
            ]
            common = {
                "seed": seed,
                "feature_set": fs,
                "transactions": len(df),
                "fraud_rate": float(df["TX_FRAUD"].mean()),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            out.append(
                {**common, "protocol": "prequential", "summary": rep["summary"], "folds": folds}
            )
            # The single split (train from 2018-07-25) is exactly the last prequential fold:
            # same training week, same delay, same test week and removals.
            (single,) = [f for f in folds if f["train_start"] == "2018-07-25"]
            out.append(
                {
                    **common,
                    "protocol": "single",
                    "folds": [single],
                    "summary": {k: {"mean": single[k], "std": 0.0} for k in ("auc", "ap", "cp100")},
                }
            )
    return out


def _training(n: int, progress: Callable[[str], None]) -> dict[str, Any]:
    progress(f"generating {n} orders")
    t0 = time.perf_counter()
    cfg = OrderSimConfig(n_orders=n, seed=7)
    df, labels = generate(cfg)
    flat = flat_frame(df)
    labels = labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True))
    gen_s = time.perf_counter() - t0
    split = datetime(cfg.start.year, cfg.start.month, cfg.start.day, tzinfo=UTC) + timedelta(
        days=int(cfg.days * 0.8)
    )
    progress("features")
    t0 = time.perf_counter()
    X = offline_features(flat, labels)
    feat_s = time.perf_counter() - t0
    progress("training")
    t0 = time.perf_counter()
    model = train(flat, labels, until=split, X=X)
    train_s = time.perf_counter() - t0
    test = np.flatnonzero(flat["t"].to_numpy() >= split.timestamp())
    y = labels_vector(flat, labels)[test]
    p = model.predict(X.iloc[test])
    return {
        "orders": n,
        "generate_s": round(gen_s, 1),
        "features_s": round(feat_s, 1),
        "train_s": round(train_s, 1),
        "features_plus_train_s": round(feat_s + train_s, 1),
        "train_orders": model.card["data"]["n_train_orders"],
        "train_rows_after_sampling": model.card["data"]["n_train"],
        "calibration_rows": model.card["data"]["n_calibration"],
        "target_s": 180,
        "met": feat_s + train_s <= 180,
        "test": {
            "split": split.isoformat(),
            "n": len(test),
            "frauds": int(y.sum()),
            "auc": auc(y, p),
            "ap": average_precision(y, p),
            "recall_at_1pct_fpr": recall_at_fpr(y, p, 0.01),
        },
    }


def _latency(
    n_score: int, progress: Callable[[str], None], n_stream: int = 50_000
) -> dict[str, Any]:
    from borderline.engine import AssessContext
    from borderline.fraud import FraudAssessor, flatten
    from borderline.model import Order

    progress(f"latency: training a model on {n_stream} orders")
    cfg = OrderSimConfig(n_orders=n_stream, seed=11)
    df, labels = generate(cfg)
    flat = flat_frame(df)
    model = train(flat, labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True)))
    a = FraudAssessor()
    a.use_model(model)
    orders = [Order.model_validate(to_order_json(r)) for r in df.itertuples(index=False)]
    warm = len(orders) - n_score
    if warm < 0:
        raise InvalidInput("must be below --latency-orders", where="--score-orders")
    mem = MemoryFeatureStore()
    for oid, f in zip(labels["order_id"], labels["is_fraud"], strict=True):
        mem.record_label(oid, bool(f))
    for o in orders[:warm]:
        mem.record(flatten(o))
    ctx = AssessContext(extras={"fraud.feature_store": mem})
    lat, cpu = [], []
    for o in orders[warm:]:
        t0, c0 = time.perf_counter(), time.thread_time()
        a.assess(o, ctx)
        cpu.append(time.thread_time() - c0)
        lat.append(time.perf_counter() - t0)
        mem.record(flatten(o))
    res: dict[str, Any] = {
        "store": "memory",
        "history_orders": warm,
        "scored": len(lat),
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": float(np.percentile(lat, 99) * 1000),
        # CPU time of the scoring thread: what the code costs without the waits a shared,
        # overloaded machine adds to wall time.
        "cpu_p50_ms": float(np.percentile(cpu, 50) * 1000),
        "cpu_p99_ms": float(np.percentile(cpu, 99) * 1000),
        "load_avg_1m": os.getloadavg()[0],
        "target_p99_ms": 2.0,
    }
    res["met"] = res["p99_ms"] <= 2.0
    out = [res]

    # The SQL stores are scored on the same orders against the same history as the memory one.
    hist_n, n_sql = warm, n_score
    progress("latency: SQLite store")
    with tempfile.TemporaryDirectory() as d:
        out.append(_sql_latency("sqlite", f"sqlite:///{d}/bench.db", a, orders, hist_n, n_sql))
    pg = _postgres_server()
    if pg is not None:
        progress("latency: PostgreSQL store (scratch database)")
        with _scratch_database(pg) as url:
            out.append(_sql_latency("postgresql", url, a, orders, hist_n, n_sql))
    return {"latency": out}


def _postgres_server() -> str | None:
    """The PostgreSQL server named by ``BORDERLINE_DATABASE_URL`` (``--database-url``), if any."""
    from borderline.settings import env

    url = env("DATABASE_URL")
    return url if url.startswith("postgresql") else None


@contextmanager
def _scratch_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards: the bench never writes into the
    database the service uses."""
    from sqlalchemy import create_engine, make_url, text

    name = f"borderline_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _sql_latency(
    store: str, url: str, a: Any, orders: list[Any], hist_n: int, n_score: int
) -> dict[str, Any]:
    """Score ``n_score`` orders against ``hist_n`` recorded ones in a SQL store, recording each
    after it is scored (in the same open transaction, as the service does)."""
    from borderline.engine import AssessContext
    from borderline.fraud import SqlFeatureStore, flatten
    from borderline.store import make_engine, migrate, session_factory

    migrate(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            sql = SqlFeatureStore(s)
            for o in orders[:hist_n]:
                sql.record(flatten(o))
            s.commit()
            ctx = AssessContext(extras={"fraud.feature_store": sql})
            lat, cpu, rec = [], [], []
            for o in orders[hist_n : hist_n + n_score]:
                t0, c0 = time.perf_counter(), time.thread_time()
                a.assess(o, ctx)
                cpu.append(time.thread_time() - c0)
                t1 = time.perf_counter()
                lat.append(t1 - t0)
                sql.record(flatten(o))
                rec.append(time.perf_counter() - t1)
            s.commit()
    finally:
        engine.dispose()
    p99 = float(np.percentile(lat, 99) * 1000)
    return {
        "store": store,
        "history_orders": hist_n,
        "scored": len(lat),
        "p50_ms": float(np.percentile(lat, 50) * 1000),
        "p99_ms": p99,
        "cpu_p50_ms": float(np.percentile(cpu, 50) * 1000),
        "cpu_p99_ms": float(np.percentile(cpu, 99) * 1000),
        # Recording the order afterwards is not part of scoring, but the service does it in the
        # same transaction, so it is reported beside.
        "record_p50_ms": float(np.percentile(rec, 50) * 1000),
        "record_p99_ms": float(np.percentile(rec, 99) * 1000),
        "load_avg_1m": os.getloadavg()[0],
        "target_p99_ms": 2.0,
        "met": p99 <= 2.0,
    }


def run(
    orders: int,
    score_orders: int,
    handbook: bool,
    customers: int,
    terminals: int,
    seeds: list[int],
    progress: Callable[[str], None] = lambda m: None,
    latency_orders: int = 50_000,
) -> dict[str, Any]:
    result: dict[str, Any] = {"machine": _machine()}
    if handbook:
        result["handbook"] = _handbook(seeds, customers, terminals, progress)
    if orders:
        result["training"] = _training(orders, progress)
    if score_orders:
        result.update(_latency(score_orders, progress, latency_orders))
    return result


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"machine: {m['cpus']} CPUs, Python {m['python']}, {m['date']}", ""]
    if "handbook" in r:
        lines += ["| seed | protocol | features | AUC | AP | CP@100 |", "|---|---|---|---|---|---|"]
        for h in r["handbook"]:
            s = h["summary"]
            lines.append(
                f"| {h['seed']} | {h['protocol']} | {h['feature_set']} | "
                + " | ".join(
                    f"{s[k]['mean']:.3f} ± {s[k]['std']:.3f}" for k in ("auc", "ap", "cp100")
                )
                + " |"
            )
        lines += ["| published | | Handbook 15 | 0.879 | 0.694 | 0.305 |", ""]
    if "training" in r:
        t = r["training"]
        lines += [
            f"{t['orders']} orders: features {t['features_s']} s + training "
            f"{t['train_s']} s = {t['features_plus_train_s']} s (target 180 s)",
            f"later slice: AUC {t['test']['auc']:.4f}, AP {t['test']['ap']:.4f}, "
            f"recall@1%FPR {t['test']['recall_at_1pct_fpr']:.4f}",
            "",
        ]
    for lat in r.get("latency", []):
        lines.append(
            f"scoring ({lat['store']} store): p50 {lat['p50_ms']:.3f} ms, "
            f"p99 {lat['p99_ms']:.3f} ms over {lat['scored']} orders"
            + (f" (CPU p99 {lat['cpu_p99_ms']:.3f} ms)" if "cpu_p99_ms" in lat else "")
            + (f"; recording p50 {lat['record_p50_ms']:.3f} ms" if "record_p50_ms" in lat else "")
            + f", load average {lat['load_avg_1m']:.2f}"
        )
    return "\n".join(lines)
