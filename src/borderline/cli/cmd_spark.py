"""``borderline spark assess|rescreen|backtest``, ``borderline ledger append`` and
``borderline bench spark``. Argument parsing and printing only; the jobs are in
``borderline.spark`` (the optional ``spark`` extra), the ledger import in
``borderline.decisions.imported``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json, read_text
from borderline.cli._groups import bench_app
from borderline.cli._ledger_cmds import ledger_app
from borderline.cli._services import open_services, use_screening_data
from borderline.errors import InvalidInput
from borderline.files import existing_path

spark_app = typer.Typer(
    help="Run the engine on Apache Spark (needs the spark extra and a Java runtime).",
    no_args_is_help=True,
)


@contextmanager
def _spark(master: str, partitions: int) -> Iterator[Any]:
    """A session for one command: the running one if there is one (left running), else a
    new one with ``master`` (stopped afterwards)."""
    try:
        from pyspark.sql import SparkSession

        from borderline.spark import session
    except ImportError:
        raise InvalidInput(
            "PySpark is not installed: pip install 'borderline[spark]' (and a Java 17+ runtime)",
            where="spark",
        ) from None
    active = SparkSession.getActiveSession()
    spark = active or session(master, shuffle_partitions=partitions)
    try:
        yield spark
    finally:
        spark.catalog.clearCache()
        if active is None:
            spark.stop()


def _say(message: str) -> None:
    typer.echo(f"... {message}", err=True)


def _write(df: Any, out: str, fmt: str, overwrite: bool) -> None:
    writer = df.write.mode("overwrite" if overwrite else "errorifexists")
    if not overwrite and Path(out).exists():
        raise InvalidInput("already exists (use --overwrite to replace it)", where=out)
    if fmt == "parquet":
        writer.parquet(out)
    elif fmt == "jsonl":
        writer.json(out)
    else:
        raise InvalidInput("output format must be parquet or jsonl", where="--output-format")


@spark_app.command("assess")
def spark_assess(
    input_: str = typer.Option(..., "--input", help="Orders: JSON lines, CSV or Parquet."),
    output: str = typer.Option(..., "--output", help="Folder for the decisions."),
    master: str = typer.Option("local[2]", help="Spark master URL."),
    fmt: str = typer.Option("auto", "--format", help="Input: jsonl, csv, parquet or auto."),
    out_fmt: str = typer.Option("parquet", "--output-format", help="parquet or jsonl."),
    labels: str = typer.Option(None, "--labels", help="Labels (order_id,is_fraud) CSV/Parquet."),
    partitions: int = typer.Option(8, help="Shuffle partitions."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output."),
) -> None:
    """Decide every order with the engine in Spark; one decision row per order.

    History (customer aggregates, fraud features) is computed point in time over the input
    itself. The active policy, block/allow lists and whitelist come from the data folder.
    Record the decisions in the store and the ledger afterwards with `borderline ledger
    append OUTPUT`.
    """
    from borderline.cli.cmd_core import csv_row_to_order
    from borderline.spark import assess, decisions_summary, read_labels, read_orders
    from borderline.spark.progress import StageProgress
    from borderline.spark.stored import snapshot

    with _spark(master, partitions) as spark:
        snap = snapshot(open_services())
        orders = read_orders(spark, input_, fmt, csv_to_order=csv_row_to_order)
        labs = read_labels(spark, labels) if labels else None
        decisions = assess(orders, labels=labs, **snap.kwargs())
        with StageProgress(spark.sparkContext, _say):
            _write(decisions, output, out_fmt, overwrite)
            written = (
                spark.read.parquet(output) if out_fmt == "parquet" else spark.read.json(output)
            )
            counts = decisions_summary(written)
        for row in written.filter("error is not null").select("error").limit(20).collect():
            typer.echo(f"error: {row[0]}", err=True)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    typer.echo(f"assessed {sum(counts.values())} ({summary or 'nothing'}) -> {output}", err=True)
    if counts.get("error"):
        raise typer.Exit(1)


@spark_app.command("rescreen")
def spark_rescreen(
    parties: str = typer.Option(
        ..., "--parties", help="id,name,type,country,dob: CSV/JSONL/Parquet."
    ),
    output: str = typer.Option(..., "--output", help="Folder: hits/, errors/ (new/, gone/)."),
    previous: str = typer.Option(
        None, "--previous", help="An earlier run's --output folder: also write new/ and gone/."
    ),
    lists: str = typer.Option(None, "--lists", help="Only these lists (comma-separated)."),
    top: int = typer.Option(10, help="Best matches kept per party (as screen --batch)."),
    threshold: float = typer.Option(None, help="Match score threshold (default: the matcher's)."),
    master: str = typer.Option("local[2]", help="Spark master URL."),
    partitions: int = typer.Option(8, help="Shuffle partitions."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output."),
) -> None:
    """Screen every party against the active lists; the index is built once and broadcast."""
    from borderline.spark import read_parties, rescreen
    from borderline.spark.progress import StageProgress

    use_screening_data()

    chosen = None
    if lists:
        from borderline.screening import active_lists

        names = {x.strip() for x in lists.split(",") if x.strip()}
        chosen = [ll for ll in active_lists() if ll.name in names]
        unknown = names - {ll.name for ll in chosen}
        if unknown:
            raise InvalidInput(f"no active list named {sorted(unknown)}", where="--lists")
    if not overwrite and Path(output).exists():
        raise InvalidInput("already exists (use --overwrite to replace it)", where=output)
    with _spark(master, partitions) as spark:
        prev = None
        if previous:
            prev_path = Path(previous) / "hits"
            if not prev_path.exists():
                raise InvalidInput("not an earlier rescreen output (no hits/)", where=previous)
            prev = spark.read.parquet(str(prev_path))
        df = read_parties(spark, parties)
        result = rescreen(df, chosen, top=top, threshold=threshold)
        with StageProgress(spark.sparkContext, _say):
            _write(result.hits, f"{output}/hits", "parquet", overwrite)
            _write(result.errors, f"{output}/errors", "parquet", overwrite)
            hits = spark.read.parquet(f"{output}/hits")
            counts = {
                "hits": hits.count(),
                "parties_with_hits": hits.select("id").distinct().count(),
                "errors": spark.read.parquet(f"{output}/errors").count(),
            }
            if prev is not None:
                # Compared with the hits as written, not screened a second time.
                from borderline.spark.jobs import changes

                new, gone = changes(hits, prev)
                _write(new, f"{output}/new", "parquet", overwrite)
                _write(gone, f"{output}/gone", "parquet", overwrite)
                counts["new"] = spark.read.parquet(f"{output}/new").count()
                counts["gone"] = spark.read.parquet(f"{output}/gone").count()
    typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()) + f" -> {output}", err=True)


@spark_app.command("backtest")
def spark_backtest(
    decisions: str = typer.Option(..., "--decisions", help="Output of `spark assess`."),
    policy: str = typer.Option(..., "--policy", help="Draft policy file, or - for stdin."),
    master: str = typer.Option("local[2]", help="Spark master URL."),
    partitions: int = typer.Option(8, help="Shuffle partitions."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay Spark-made decisions under a draft policy: which outcomes change and why."""
    from borderline.spark import backtest
    from borderline.spark.stored import snapshot

    source = read_text(policy)
    snap = snapshot(open_services())
    with _spark(master, partitions) as spark:
        path = decisions
        df = spark.read.json(path) if path.lower().endswith(".jsonl") else spark.read.parquet(path)
        report = backtest(df, source, engine=snap.engine, lists=snap.lists)
    if as_json:
        echo_json(report.to_dict())
        return
    typer.echo(f"{report.orders} decisions replayed under {report.policy}: {report.changed} change")
    for t, n in sorted(report.transitions.items(), key=lambda x: -x[1]):
        typer.echo(f"  {t}: {n}")
    typer.echo("before: " + ", ".join(f"{k} {v}" for k, v in sorted(report.before.items())))
    typer.echo("after:  " + ", ".join(f"{k} {v}" for k, v in sorted(report.after.items())))


def _decision_rows(path: str) -> Iterator[dict[str, Any]]:
    """Rows of a decisions folder or file in the order the job wrote them."""
    import json

    import pyarrow.parquet as pq

    p = existing_path(path)
    files = sorted(p.glob("part-*")) if p.is_dir() else [p]
    files = [f for f in files if not f.name.endswith(".crc")]
    if not files:
        raise InvalidInput("no part files: not a `spark assess` output", where=path)
    for f in files:
        if f.suffix == ".parquet" or f.name.endswith(".snappy.parquet"):
            pf = pq.ParquetFile(f)
            for batch in pf.iter_batches(batch_size=2000):
                yield from batch.to_pylist()
        else:
            with f.open(encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise InvalidInput(
                                f"invalid JSON: {exc.msg}", where=f"{f}:{n}"
                            ) from None


def _in_order(rows: Iterator[dict[str, Any]], path: str) -> Iterator[dict[str, Any]]:
    last = -1
    for row in rows:
        if row.get("error"):
            yield row
            continue
        seq = int(row["seq"])
        if seq <= last:
            raise InvalidInput(
                f"decisions are not in input order (seq {seq} after {last}); "
                "append the folder `borderline spark assess` wrote, unchanged",
                where=path,
            )
        last = seq
        yield row


@ledger_app.command("append")
def ledger_append(
    file: str = typer.Argument(..., help="Decisions written by `borderline spark assess`."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record decisions made in Spark in the store and the ledger, in input order."""
    from borderline.decisions import append_decisions

    report = append_decisions(open_services(), _in_order(_decision_rows(file), file))
    if as_json:
        echo_json(report.to_dict())
        return
    span = (
        f" (ledger entries {report.first_index}..{report.last_index})"
        if report.first_index is not None
        else ""
    )
    typer.echo(
        f"appended {report.appended} decisions{span}; {report.already_recorded} already "
        f"recorded, {report.errors_skipped} error rows skipped"
    )


@bench_app.command("spark")
def bench_spark(
    orders: int = typer.Option(1_000_000, help="Generated orders to assess."),
    parties: int = typer.Option(1_000_000, help="Generated parties to re-screen."),
    cores: str = typer.Option("1,2", help="Local cores to measure with, comma-separated."),
    scaling_orders: int = typer.Option(
        20_000, help="Orders (and parties) for the per-core throughput runs."
    ),
    work_dir: Path = typer.Option(None, help="Where to write inputs and outputs (default: temp)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Assess generated orders with every assessor and re-screen generated parties in Spark
    local mode; throughput with 1 and 2 cores."""
    from borderline.bench.spark import run

    result = run(
        orders=orders,
        parties=parties,
        cores=[int(c) for c in cores.split(",") if c.strip()],
        scaling_orders=scaling_orders,
        work_dir=work_dir,
        progress=_say,
    )
    if as_json:
        echo_json(result)
        return
    m = result["machine"]
    typer.echo(f"machine: {m['cpus']} CPUs ({m['cpu']}), load {m['load']}, Python {m['python']}")
    typer.echo(f"{'job':<44}{'items':>10}{'seconds':>10}{'per s':>10}{'CPU ms each':>13}")
    for r in result["runs"]:
        cpu = r.get("cpu_ms_per_item")
        typer.echo(
            f"{r['job']:<44}{r['items']:>10}{r['seconds']:>10}{r['per_s']:>10}"
            f"{'n/a' if cpu is None else cpu:>13}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(spark_app, name="spark")
