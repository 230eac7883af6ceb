"""One local SparkSession (local[2], 4 shuffle partitions) and one generated world for every
Spark test: orders with history, a trained fraud model, a block-list entry, and the same
orders assessed in-process by `borderline assess` — the reference the Spark jobs must equal.

Needs PySpark (the `spark` extra) and a Java 17+ runtime: the test command installs both.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate, to_order_json
from borderline.samples import generate_orders


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command in-process against ``data_dir``, reporting errors as ``main()`` does."""
    from typer.testing import CliRunner

    from borderline.cli import app
    from borderline.errors import BorderlineError

    env = {"BORDERLINE_DATA_DIR": str(data_dir), "BORDERLINE_DATABASE_URL": ""}
    result = CliRunner().invoke(app, list(args), env=env)
    stderr, code = result.stderr, result.exit_code
    if isinstance(result.exception, BorderlineError):
        stderr += f"error: {result.exception}\n"
        code = 2
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), code, result.stdout, stderr)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from borderline.spark import session

    s = session("local[2]", app_name="borderline-tests", shuffle_partitions=4)
    yield s
    s.stop()


@dataclass
class World:
    root: Path
    data_dir: Path  # the in-process run's data folder (model, list entry, stored orders)
    orders_file: Path
    labels: Any  # pandas frame: order_id, is_fraud (synth orders)
    payloads: list[dict[str, Any]]
    blocked_email: str
    inprocess: dict[str, dict[str, Any]]  # input line ("file:n") -> decision or error JSON

    @contextmanager
    def env(self) -> Iterator[None]:
        """The data folder as the environment names it (the driver reads models from it)."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("BORDERLINE_DATA_DIR", str(self.data_dir))
            mp.setenv("BORDERLINE_DATABASE_URL", "")
            yield


def _orders() -> tuple[list[dict[str, Any]], Any, Any]:
    """Synthetic marketplace orders with history (customers, cards, devices repeat) and
    sample shop orders (sanctioned and embargoed destinations, several items), in time
    order, plus orders in the same second as another of their customer."""
    df, labels = generate(OrderSimConfig(n_orders=1800, n_customers=180, days=30, seed=11))
    labels = labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True))
    synth = [to_order_json(r) for r in df.itertuples(index=False)]
    shop = list(generate_orders(250, seed=5, start=datetime(2026, 1, 3, tzinfo=UTC), customers=40))
    ties = []
    for o in synth[100:1500:280]:
        twin = json.loads(json.dumps(o))
        twin["id"] = o["id"] + "-same-second"
        twin["total"] = twin["payment"]["amount"] = "77.70"
        ties.append(twin)
    orders = synth + shop + ties

    def when(o: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(o["created_at"].replace("Z", "+00:00"))

    orders.sort(key=when)  # stable: a twin stays after its original
    return orders, labels, flat_frame(df)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from borderline.fraud.registry import Registry
    from borderline.fraud.training import train
    from borderline.service import Services
    from borderline.settings import Settings

    root = tmp_path_factory.mktemp("spark-world")
    data_dir = root / "data"
    orders, labels, flat = _orders()
    # A repeated order id (same batch: an error in-process too) and an order that fails
    # validation, at fixed lines.
    lines = [json.dumps(o) for o in orders]
    lines.insert(41, json.dumps(orders[40]))
    lines.insert(120, json.dumps({"id": "bad-1", "currency": "USD", "total": "10"}))
    orders_file = root / "orders.jsonl"
    orders_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    model = train(flat, labels, rounds=30)
    Registry(data_dir / "fraud" / "models").register(model, role="champion")
    blocked = next(o["parties"][0]["email"] for o in orders[300:] if o["parties"][0].get("email"))
    svc = Services.open(Settings(data_dir=data_dir, database_url=""))
    try:
        svc.add_list_entry(
            list_name="blocked",
            kind="email",
            value=blocked,
            action="block",
            reason="test",
            actor="tests",
        )
    finally:
        svc.close()
    r = cli(data_dir, "assess", str(orders_file))
    inprocess: dict[str, dict[str, Any]] = {}
    where_by_id: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        obj = json.loads(line)
        if isinstance(obj.get("id"), str):
            where_by_id.setdefault(obj["id"], f"{orders_file}:{n}")
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        where = obj["input"] if "input" in obj else where_by_id[obj["order_id"]]
        inprocess[where] = obj
    assert len(inprocess) == len(lines), r.stderr
    return World(
        root=root,
        data_dir=data_dir,
        orders_file=orders_file,
        labels=labels,
        payloads=orders,
        blocked_email=blocked,
        inprocess=inprocess,
    )


@pytest.fixture(scope="session")
def decisions_dir(spark: Any, world: World) -> Path:
    """The same orders decided by ``borderline.spark.assess`` with the data folder's policy,
    lists and fraud model, written as Parquet (what `spark assess` writes)."""
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.spark import assess, read_orders
    from borderline.spark.stored import snapshot

    out = world.root / "decisions"
    with world.env():
        svc = Services.open(Settings())
        try:
            snap = snapshot(svc)
        finally:
            svc.close()
        assess(read_orders(spark, str(world.orders_file)), **snap.kwargs()).write.parquet(str(out))
    spark.catalog.clearCache()
    return out


@pytest.fixture(scope="session")
def spark_decisions(spark: Any, decisions_dir: Path) -> list[dict[str, Any]]:
    return [r.asDict(recursive=True) for r in spark.read.parquet(str(decisions_dir)).collect()]
