"""``borderline bench spark``: the Spark jobs in local mode on generated data.

1. ``orders`` generated marketplace orders (``bench.fraud_synth``, with history) assessed with every
   installed assessor and a fraud model trained on them;
2. ``parties`` distinct party names (every party name of the generated orders, names from the
   shipped lists, then people made of the given and family names seen in them, each once)
   re-screened against every shipped list;
3. the same two jobs on ``scaling_orders`` items with each core count in ``cores``, each in a
   fresh local session, so the throughput per core is visible.

Wall-clock seconds of the action that writes the output (Parquet), JVM start excluded.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _generate(n: int, folder: Path, seed: int = 0) -> tuple[Path, Path, Any]:
    """(orders.jsonl, parties.csv, trained model) for ``n`` generated orders."""
    from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate, to_order_json
    from borderline.fraud import train

    df, labels = generate(
        OrderSimConfig(n_orders=n, n_customers=max(100, n // 8), days=120, seed=seed)
    )
    orders = folder / f"orders-{n}.jsonl"
    names: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    with orders.open("w", encoding="utf-8") as fh:
        for row in df.itertuples(index=False):
            o = to_order_json(row)
            fh.write(json.dumps(o) + "\n")
            for p in o["parties"]:
                if p["name"] not in seen and len(seen) < 200_000:
                    seen.add(p["name"])
                    kind = "organization" if p.get("kind") == "organization" else "person"
                    names.append((p["name"], kind, (p.get("address") or {}).get("country", "")))
    import pandas as pd

    labels = labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True))
    model = train(flat_frame(df), labels, rounds=60)
    return orders, _parties_file(folder, names), model


def _parties_file(folder: Path, names: list[tuple[str, str, str]]) -> Path:
    from borderline.screening import current_index

    idx = current_index()
    listed = [(e.names[0].full, "", "") for e in idx.entities[:: max(1, len(idx.entities) // 2000)]]
    path = folder / "names.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for name, kind, country in names + listed:
            w.writerow([name, kind, country])
    return path


def _parties(names: Path, n: int, folder: Path) -> Path:
    """``n`` parties: every generated and listed name once, then people made of the given and
    family names seen in them, each combination once — a customer base of distinct names, so
    the screening's cache of repeated queries does not flatter the figure."""
    with names.open(encoding="utf-8") as fh:
        base = list(csv.reader(fh))
    givens = sorted({r[0].split()[0] for r in base if len(r[0].split()) >= 2})
    families = sorted({r[0].split()[-1] for r in base if len(r[0].split()) >= 2})
    path = folder / f"parties-{n}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "type", "country", "dob"])
        for i in range(n):
            if i < len(base):
                name, kind, country = base[i]
            else:
                k = i - len(base)
                g, f = givens[k % len(givens)], families[(k // len(givens)) % len(families)]
                name, kind, country = f"{g} {f}", "person", ""
            w.writerow([f"p{i}", name, kind, country, ""])
    return path


def _head(path: Path, n: int, folder: Path) -> Path:
    out = folder / f"orders-head-{n}.jsonl"
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return out


def _timed(job: Callable[[], None]) -> tuple[float, float | None]:
    """Wall seconds of ``job`` and the CPU seconds this process tree spent on it."""
    from borderline.bench.core import process_tree_cpu_s

    cpu0 = process_tree_cpu_s(os.getpid())
    t0 = time.perf_counter()
    job()
    seconds = time.perf_counter() - t0
    cpu1 = process_tree_cpu_s(os.getpid())
    return seconds, None if cpu0 is None or cpu1 is None else cpu1 - cpu0


def _assess_job(spark: Any, orders: Path, out: Path, snap: Any) -> tuple[float, float | None]:
    from borderline.spark import assess, read_orders

    def job() -> None:
        decisions = assess(read_orders(spark, str(orders)), **snap.kwargs())
        decisions.write.mode("overwrite").parquet(str(out))

    timed = _timed(job)
    spark.catalog.clearCache()
    return timed


def _rescreen_job(spark: Any, parties: Path, out: Path) -> tuple[float, float | None]:
    from borderline.spark import read_parties, rescreen

    return _timed(
        lambda: (
            rescreen(read_parties(spark, str(parties)))
            .hits.write.mode("overwrite")
            .parquet(str(out))
        )
    )


def run(
    *,
    orders: int,
    parties: int,
    cores: list[int],
    scaling_orders: int,
    work_dir: Path | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> dict[str, Any]:
    from borderline.bench.core import machine
    from borderline.fraud import Registry, models_dir
    from borderline.screening import use_data_dir
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.spark import session
    from borderline.spark.stored import snapshot

    folder = Path(work_dir or tempfile.mkdtemp(prefix="borderline-bench-spark-"))
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "data"
    os.environ["BORDERLINE_DATA_DIR"] = str(data_dir)
    use_data_dir(data_dir)
    os.environ.pop("BORDERLINE_DATABASE_URL", None)
    progress(f"generating {orders} orders in {folder}")
    orders_file, names, model = _generate(orders, folder)
    Registry(models_dir(data_dir)).register(model, role="champion")
    parties_file = _parties(names, parties, folder)
    svc = Services.open(Settings())
    try:
        snap = snapshot(svc)
    finally:
        svc.close()
    result: dict[str, Any] = {
        "machine": {**machine(), "load": [round(x, 2) for x in os.getloadavg()]},
        "assessors": [a.name for a in snap.engine.assessors],
        "runs": [],
    }

    def record(job: str, items: int, timed: tuple[float, float | None]) -> None:
        seconds, cpu = timed
        row = {
            "job": job,
            "items": items,
            "seconds": round(seconds, 1),
            "per_s": round(items / seconds, 1),
            # CPU of this process, the JVM and the Python workers: the work per item on a
            # busy machine, where wall-clock throughput depends on everything else running.
            # A lower bound on long jobs: a Python worker that ended meanwhile is not counted.
            "cpu_ms_per_item": None if cpu is None else round(cpu * 1000 / items, 3),
        }
        result["runs"].append(row)
        progress(
            f"{job}: {items} in {row['seconds']} s ({row['per_s']}/s; "
            f"{row['cpu_ms_per_item']} ms of CPU each)"
        )

    small = _head(orders_file, scaling_orders, folder)
    small_parties = _parties(names, scaling_orders, folder)
    for c in cores:
        spark = session(f"local[{c}]", app_name=f"bench-{c}", shuffle_partitions=max(4, 4 * c))
        try:
            progress(f"local[{c}]: assess {scaling_orders} orders")
            record(
                f"assess, local[{c}]", scaling_orders, _assess_job(spark, small, folder / "o", snap)
            )
            progress(f"local[{c}]: rescreen {scaling_orders} parties")
            record(
                f"rescreen, local[{c}]",
                scaling_orders,
                _rescreen_job(spark, small_parties, folder / "h"),
            )
        finally:
            spark.stop()
    top = max(cores)
    spark = session(f"local[{top}]", app_name="bench-full", shuffle_partitions=4 * top)
    try:
        if orders > scaling_orders:
            progress(f"local[{top}]: assess {orders} orders")
            record(
                f"assess, local[{top}]", orders, _assess_job(spark, orders_file, folder / "o", snap)
            )
        if parties > scaling_orders:
            progress(f"local[{top}]: rescreen {parties} parties")
            record(
                f"rescreen, local[{top}]", parties, _rescreen_job(spark, parties_file, folder / "h")
            )
    finally:
        spark.stop()
    result["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result
