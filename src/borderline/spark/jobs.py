"""The Spark jobs: assess orders, backtest a policy, re-screen parties.

Each job is a thin driver: it builds the picklable pieces once (engine, screening index, fraud
model, list snapshots), broadcasts them, and runs the same engine code the API and the CLI
run, per partition with ``mapInArrow``.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from borderline.engine import Engine, ListHit
from borderline.errors import InvalidInput
from borderline.files import existing_path
from borderline.fraud import DEFAULT_LABEL_DELAY_DAYS
from borderline.policy import compile_policy
from borderline.privacy import PriorTransfer, TransferHistory
from borderline.screening import WhitelistDecision
from borderline.spark import _tasks
from borderline.spark._context import ListSnapshot
from borderline.spark.features import FEATURE_INPUT_COLUMNS, point_in_time


def session(
    master: str = "local[2]", *, app_name: str = "borderline", shuffle_partitions: int = 8
) -> SparkSession:
    """A SparkSession with settings that suit the jobs (Arrow batches, few shuffle partitions).

    On a cluster or Databricks, use the session you are given instead.
    """
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if master.startswith("local"):
        # In local mode the driver's JVM is the executor: Spark's default 1 GB heap ran out
        # caching the parsed orders of a million-order job (the stage-1 rows, about 2.5 KB an
        # order, unrolled a partition at a time before spilling). Spark's own SPARK_DRIVER_MEMORY
        # still wins; smaller input splits keep each task's unrolled partition small.
        builder = builder.config(
            "spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g")
        ).config("spark.sql.files.maxPartitionBytes", str(32 * 1024 * 1024))
    if master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        # Local workers run this interpreter (the one with Borderline installed), not whatever
        # `python3` is first on PATH: `borderline spark` run from a virtualenv that is not
        # activated found no `borderline` module in its workers. PySpark reads the variable
        # when the context starts (the `spark.pyspark.python` setting does not reach the
        # workers of Python UDFs).
        os.environ["PYSPARK_PYTHON"] = sys.executable
    return builder.getOrCreate()


# -- inputs ------------------------------------------------------------------------------------


def _detect(path: str, fmt: str) -> str:
    if fmt != "auto":
        if fmt not in ("jsonl", "csv", "parquet"):
            raise InvalidInput("format must be jsonl, csv, parquet or auto", where="--format")
        return fmt
    low = path.lower().rstrip("/")
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    return "parquet"


def read_orders(
    spark: SparkSession,
    path: str,
    fmt: str = "auto",
    *,
    csv_to_order: Callable[[dict[str, str]], dict[str, Any]] | None = None,
) -> DataFrame:
    """Orders as ``(seq, input, order_json)``: ``seq`` is the position in the input (the order
    decisions are recorded in), ``input`` is ``path:line`` for error messages.

    JSON lines: one order per line (the format ``borderline assess`` reads). CSV: the flat
    columns ``borderline assess`` reads, turned into orders by ``csv_to_order``. Parquet: a
    string column ``order_json`` and, optionally, ``seq``.
    """
    fmt = _detect(path, fmt)
    if "://" not in path:
        existing_path(path)
    if fmt == "parquet":
        df = spark.read.parquet(path)
        if "order_json" not in df.columns:
            raise InvalidInput(
                f"needs a string column order_json; has {', '.join(df.columns)}", where=path
            )
        if "seq" not in df.columns:
            df = df.withColumn("seq", F.monotonically_increasing_id())
        return df.select(
            F.col("seq").cast("long"),
            F.concat(F.lit(f"{path}#"), F.col("seq").cast("string")).alias("input"),
            F.col("order_json").cast("string"),
        )
    if fmt == "jsonl":
        lines = spark.read.text(path).rdd.map(lambda r: r[0]).zipWithIndex()
        rows = lines.filter(lambda x: bool(x[0] and x[0].strip())).map(
            lambda x: (x[1], f"{path}:{x[1] + 1}", x[0])
        )
        return spark.createDataFrame(rows, "seq long, input string, order_json string")
    if csv_to_order is None:
        raise InvalidInput("reading CSV orders needs a row converter", where=path)
    raw = spark.read.option("header", True).option("multiLine", True).csv(path)
    missing = {"id", "created_at", "currency", "total"} - set(raw.columns)
    if missing:
        raise InvalidInput(f"CSV lacks required column(s) {sorted(missing)}", where=f"{path}:1")
    cols = raw.columns
    convert = csv_to_order

    def to_row(x: tuple[Any, int]) -> tuple[int, str, str]:
        rec = {c: (x[0][i] or "") for i, c in enumerate(cols)}
        return x[1], f"{path}:{x[1] + 2}", json.dumps(convert(rec))

    rows = raw.rdd.zipWithIndex().map(to_row)
    return spark.createDataFrame(rows, "seq long, input string, order_json string")


def read_labels(spark: SparkSession, path: str) -> DataFrame:
    """Labels as ``(order_id, is_fraud)``: a CSV with those columns (``fraud train``'s) or
    Parquet."""
    fmt = "csv" if path.lower().endswith(".csv") else "parquet"
    df = spark.read.option("header", True).csv(path) if fmt == "csv" else spark.read.parquet(path)
    if not {"order_id", "is_fraud"} <= set(df.columns):
        raise InvalidInput("labels need columns order_id and is_fraud", where=path)
    flag = F.lower(F.col("is_fraud").cast("string")).isin("1", "true", "yes")
    return df.select("order_id", flag.cast("int").alias("is_fraud"))


# -- assess ------------------------------------------------------------------------------------


def _fraud_model(engine: Engine) -> Any:
    """The fraud model in service, loaded on the driver so tasks never read the registry."""
    from borderline.engine import AssessContext
    from borderline.fraud import FraudAssessor

    for a in engine.assessors:
        if isinstance(a, FraudAssessor):
            return a.model(AssessContext())
    return None


def _screening_index(engine: Engine) -> Any:
    from borderline.screening import ScreeningAssessor

    for a in engine.assessors:
        if isinstance(a, ScreeningAssessor):
            return a.index
    return None


def decide_partitions(orders: DataFrame) -> int:
    """How many tasks decide the orders: the shuffle partitions, or four per input split when
    the input is larger (about 30 MB of orders JSON each).

    Deciding costs milliseconds of Python per order, so a task over a large input's share of
    eight partitions runs for minutes, and the last one ran alone while the other cores idled
    (a million orders: five minutes of one idle core out of 26). Smaller tasks end closer
    together; the count comes from the input's splits, known without running a job.
    """
    spark = orders.sparkSession
    parts = int(spark.conf.get("spark.sql.shuffle.partitions") or "8")
    return max(parts, 4 * orders.rdd.getNumPartitions())


def assess(
    orders: DataFrame,
    *,
    engine: Engine | None = None,
    labels: DataFrame | None = None,
    lists: Iterable[ListHit] = (),
    whitelist_entries: Iterable[WhitelistDecision] = (),
    transfers: Iterable[PriorTransfer] = (),
    now: datetime | None = None,
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    fraud_model: Any = None,
) -> DataFrame:
    """One decision row per input order (see ``_tasks.DECISION_DDL`` for the columns).

    ``orders``: ``order_json`` (a string per order) and optionally ``seq`` (input order) and
    ``input`` (where the order came from). History — the customer's aggregates and every fraud
    feature — is computed point in time over ``orders`` themselves, taken in (time, seq)
    order, as if they had been assessed one after another into an empty store. ``labels``
    (``order_id``, ``is_fraud``) feed the label-aware features. Orders that fail validation
    and repeated order ids get a row with ``error`` set and no outcome.
    """
    spark = orders.sparkSession
    if "order_json" not in orders.columns:
        raise InvalidInput("orders need a string column order_json", where="orders")
    if "seq" not in orders.columns:
        orders = orders.withColumn("seq", F.monotonically_increasing_id())
    if "input" not in orders.columns:
        orders = orders.withColumn("input", F.concat(F.lit("orders#"), F.col("seq")))
    orders = orders.select(F.col("seq").cast("long"), "input", "order_json")
    engine = engine or Engine()
    job = _tasks.Job(
        engine=engine,
        fraud_model=fraud_model if fraud_model is not None else _fraud_model(engine),
        lists=ListSnapshot(lists),
        whitelist=list(whitelist_entries),
        register=TransferHistory(list(transfers)),
        now=now or datetime.now(UTC),
        label_delay_days=label_delay_days,
    )
    sc = spark.sparkContext
    job_bc = sc.broadcast(job)
    index = _screening_index(engine)
    index_bc = sc.broadcast(index) if index is not None else None

    # Parsed once, read three times (the windows' narrow columns, the validated orders the
    # decision stage rebuilds, the error rows): kept until the caller is done (the CLI clears
    # the cache after writing). The input itself is read once.
    flat = orders.mapInArrow(_tasks.flatten_batches, _tasks.FLAT_DDL)
    first = Window.partitionBy("order_id").orderBy("seq")
    flat = flat.withColumn(
        "error",
        F.when(
            F.col("error").isNull() & (F.row_number().over(first) > 1),
            F.concat(
                F.lit("order id "), F.col("order_id"), F.lit(" appears more than once in the input")
            ),
        ).otherwise(F.col("error")),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    # The windows shuffle only the narrow columns; the order's JSON joins them at the end.
    valid = flat.filter(F.col("error").isNull()).drop("error", "input", "payload")
    if labels is not None:
        valid = valid.join(
            labels.select("order_id", F.col("is_fraud").cast("int").alias("fraud")),
            "order_id",
            "left",
        ).withColumn("fraud", F.coalesce("fraud", F.lit(0)))
    else:
        valid = valid.withColumn("fraud", F.lit(0))
    # The window stages carry only what they read: the order id comes back with the payload.
    history = point_in_time(valid.drop("order_id"), label_delay_days=label_delay_days)
    # What the decision stage reads: the window outputs and the order's time, not the inputs
    # of the windows (entity values, amounts), which would be shuffled twice more for nothing.
    history = history.drop(*(c for c in FEATURE_INPUT_COLUMNS if c not in ("seq", "t")), "fraud")
    # Decisions leave in input order, partition after partition, so they can be appended to
    # the ledger in that order without sorting wide rows again.
    payloads = flat.filter(F.col("error").isNull()).select("seq", "order_id", "input", "payload")
    joined = (
        history.join(payloads, "seq")
        .repartitionByRange(decide_partitions(orders), "seq")
        .sortWithinPartitions("seq")
    )

    def decide(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        idx = index_bc.value if index_bc is not None else None
        return _tasks.decide_batches(batches, job_bc.value, idx)

    decided = joined.mapInArrow(decide, _tasks.DECISION_DDL)
    schema = spark.createDataFrame([], _tasks.DECISION_DDL).schema
    errors = flat.filter(F.col("error").isNotNull()).select("seq", "input", "order_id", "error")
    errors = errors.select(
        *(
            F.col(f.name).cast(f.dataType)
            if f.name in errors.columns
            else F.lit(None).cast(f.dataType).alias(f.name)
            for f in schema.fields
        )
    )
    return decided.unionByName(errors)


# -- backtest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Replay:
    policy_source: str
    signals: dict[str, str]
    lists: ListSnapshot


def _replay_batches(batches: Iterable[pa.RecordBatch], replay: _Replay) -> Iterator[pa.RecordBatch]:
    from borderline.decisions import replay_policy

    compiled = compile_policy(replay.policy_source, replay.signals)
    schema = pa.schema(
        [
            ("order_id", pa.string()),
            ("created_at", pa.timestamp("us", tz="UTC")),
            ("before", pa.string()),
            ("after", pa.string()),
            ("score_before", pa.float64()),
            ("score_after", pa.float64()),
            ("rules", pa.list_(pa.string())),
            ("decided_by", pa.list_(pa.string())),
        ]
    )
    for batch in batches:
        out = []
        for r in batch.to_pylist():
            body = json.loads(r["decision_json"])
            payload = json.loads(r["order_json"])
            result = replay_policy(compiled, body, payload, replay.lists)
            new = str(result.outcome)
            out.append(
                {
                    "order_id": body["order_id"],
                    "created_at": datetime.fromisoformat(body["created_at"]),
                    "before": body["outcome"],
                    "after": new,
                    "score_before": float(body["score"]),
                    "score_after": float(result.score),
                    "rules": [h.rule for h in result.hits],
                    "decided_by": [
                        h.rule for h in result.hits if h.effect == new or h.effect.startswith(new)
                    ],
                }
            )
        yield pa.RecordBatch.from_pylist(out, schema=schema)


REPLAY_DDL = (
    "order_id string, created_at timestamp, before string, after string, score_before double, "
    "score_after double, rules array<string>, decided_by array<string>"
)


def backtest(
    decisions: DataFrame,
    policy_source: str,
    *,
    version: int = 0,
    engine: Engine | None = None,
    lists: Iterable[ListHit] = (),
    limit: int | None = None,
    sample_changes: int = 200,
) -> Any:
    """Replay decisions (``assess``'s output) under a draft policy: which outcomes change.

    The same replay and the same ``BacktestReport`` as ``borderline policy backtest``: the
    assessors are not re-run, each order is re-decided on the findings and customer context
    it was decided with. ``limit`` keeps the most recent decisions, as the service does.
    """
    from borderline.decisions import BacktestReport

    engine = engine or Engine()
    compiled = compile_policy(policy_source, engine.signals)  # errors surface on the driver
    rows = decisions.filter(F.col("error").isNull()).select("decision_json", "order_json")
    if limit is not None:
        rows = (
            decisions.filter(F.col("error").isNull())
            .orderBy(F.col("created_at").desc())
            .limit(limit)
            .select("decision_json", "order_json")
        )
    replay = _Replay(policy_source, dict(engine.signals), ListSnapshot(lists))
    replayed = rows.mapInArrow(partial(_replay_batches, replay=replay), REPLAY_DDL).cache()
    try:
        before = _counts(replayed.groupBy("before").count())
        after = _counts(replayed.groupBy("after").count())
        changed = replayed.filter(F.col("before") != F.col("after"))
        transitions = _counts(
            changed.groupBy(F.concat("before", F.lit("->"), "after").alias("t")).count()
        )
        fired = Counter(
            _counts(replayed.select(F.explode("rules").alias("r")).groupBy("r").count())
        )
        sample = [
            {
                "order_id": r["order_id"],
                "before": r["before"],
                "after": r["after"],
                "score_before": r["score_before"],
                "score_after": r["score_after"],
                "rules": list(r["rules"]),
                "decided_by": list(r["decided_by"]),
            }
            for r in changed.orderBy(F.col("created_at").desc()).limit(sample_changes).collect()
        ]
        return BacktestReport(
            policy=compiled.name,
            version=version,
            orders=sum(before.values()),
            changed=sum(transitions.values()),
            transitions=transitions,
            before=before,
            after=after,
            rules_fired=dict(fired.most_common()),
            changes=sample,
        )
    finally:
        replayed.unpersist()


def _counts(df: DataFrame) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in df.collect()}


# -- rescreen ----------------------------------------------------------------------------------

HIT_DDL = (
    "id string, list string, source_id string, name string, matched_name string, "
    "score double, explanation string, list_version string, error string"
)


def _screen_batches(
    batches: Iterable[pa.RecordBatch], index: Any, top: int, threshold: float
) -> Iterator[pa.RecordBatch]:
    from borderline.errors import BorderlineError
    from borderline.screening import Query, parse_dob, parse_kind

    idx = index.value
    versions = {k: v.version for k, v in idx.lists.items()}
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("list", pa.string()),
            ("source_id", pa.string()),
            ("name", pa.string()),
            ("matched_name", pa.string()),
            ("score", pa.float64()),
            ("explanation", pa.string()),
            ("list_version", pa.string()),
            ("error", pa.string()),
        ]
    )
    for batch in batches:
        out: list[dict[str, Any]] = []
        for r in batch.to_pylist():
            ident = str(r["id"])
            where = str(r.get("input") or ident)
            try:
                q = Query(
                    name=r["name"] or "",
                    kind=parse_kind(r.get("type") or None, where=where),
                    country=(r.get("country") or "").strip() or None,
                    dob=parse_dob(r.get("dob") or None, where=where),
                    threshold=threshold,
                    limit=top,
                )
                q.validate()
                matches = idx.search(q)
            except BorderlineError as exc:
                out.append({"id": ident, "error": _tasks.error_text(exc, where)})
                continue
            for m in matches:
                d = m.to_dict()
                out.append({"id": ident, **d, "list_version": versions.get(m.list), "error": None})
        yield pa.RecordBatch.from_pylist(out, schema=schema)


@dataclass
class Rescreen:
    """``hits``: every (party, listed entity) match; ``new`` / ``gone``: hits not in / no
    longer in the previous run (None without one); ``errors``: parties that could not be
    screened, with the reason."""

    hits: DataFrame
    errors: DataFrame
    new: DataFrame | None = None
    gone: DataFrame | None = None


def read_parties(spark: SparkSession, path: str, fmt: str = "auto") -> DataFrame:
    """Parties as ``(id, name, type, country, dob, input)``: the CSV ``screen --batch`` reads,
    JSON lines with those keys, or Parquet with those columns."""
    fmt = _detect(path, fmt)
    if "://" not in path:
        existing_path(path)
    if fmt == "csv":
        df = spark.read.option("header", True).option("multiLine", True).csv(path)
    elif fmt == "jsonl":
        df = spark.read.json(path)
    else:
        df = spark.read.parquet(path)
    df = df.toDF(*[c.strip().lower() for c in df.columns])
    missing = [c for c in ("id", "name") if c not in df.columns]
    if missing:
        raise InvalidInput(
            f"missing column(s) {', '.join(missing)}; expected id,name,type,country,dob",
            where=path,
        )
    for c in ("type", "country", "dob"):
        if c not in df.columns:
            df = df.withColumn(c, F.lit(None).cast("string"))
    return df.select(
        F.trim(F.col("id").cast("string")).alias("id"),
        F.col("name").cast("string"),
        F.col("type").cast("string"),
        F.col("country").cast("string"),
        F.col("dob").cast("string"),
        F.concat(F.lit(f"{path} id "), F.col("id").cast("string")).alias("input"),
    )


def rescreen(
    parties: DataFrame,
    lists: Any = None,
    *,
    previous: DataFrame | None = None,
    top: int = 10,
    threshold: float | None = None,
) -> Rescreen:
    """Every party against a list version: the index is built once on the driver and
    broadcast. ``lists``: a ``ScreeningIndex``, parsed lists (``LoadedList``s) or None for
    the active lists. With ``previous`` (an earlier run's hits), also the hits that are new
    and those that disappeared, by (party id, list, listed entity)."""
    from borderline.screening import THRESHOLD, ScreeningIndex, current_index

    if lists is None:
        index = current_index()
    elif isinstance(lists, ScreeningIndex):
        index = lists
    else:
        index = ScreeningIndex.build(lists)
    spark = parties.sparkSession
    index_bc = spark.sparkContext.broadcast(index)
    thr = THRESHOLD if threshold is None else threshold
    if not 0.0 <= thr <= 1.0:
        raise InvalidInput("threshold must be between 0 and 1", where="threshold")
    if not 1 <= top <= 1000:
        raise InvalidInput("top must be between 1 and 1000", where="top")
    # Screening is CPU work per party, one Arrow task per partition: a party file read as one
    # partition (any CSV under the 128 MB split size) would keep every core but one idle.
    cores = spark.sparkContext.defaultParallelism
    if parties.rdd.getNumPartitions() < cores:
        parties = parties.repartition(cores)
    out = parties.mapInArrow(
        partial(_screen_batches, index=index_bc, top=top, threshold=thr), HIT_DDL
    )
    hits = out.filter(F.col("error").isNull()).drop("error")
    errors = out.filter(F.col("error").isNotNull()).select("id", "error")
    result = Rescreen(hits=hits, errors=errors)
    if previous is not None:
        result.new, result.gone = changes(hits, previous)
    return result


HIT_KEY = ("id", "list", "source_id")


def changes(hits: DataFrame, previous: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(new, gone): hits not in ``previous`` and previous hits no longer found, by (party
    id, list, listed entity)."""
    key = list(HIT_KEY)
    missing = [c for c in key if c not in previous.columns]
    if missing:
        raise InvalidInput(f"previous hits lack column(s) {', '.join(missing)}", where="previous")
    new = hits.join(previous.select(*key).distinct(), key, "left_anti")
    gone = previous.join(hits.select(*key).distinct(), key, "left_anti")
    return new, gone


def decisions_summary(decisions: DataFrame) -> Mapping[str, int]:
    """Outcome -> count, and ``error`` for rows that could not be decided."""
    label = F.coalesce(F.col("outcome"), F.lit("error"))
    return _counts(decisions.groupBy(label).count())
