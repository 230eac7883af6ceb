"""What runs inside a Spark task: parse and flatten orders, then decide them with the engine.

Plain Python over Arrow record batches (``mapInArrow``): no PySpark import, so the functions
are tested on their own and pickled by reference. The ``Job`` bundle is built once on the
driver and broadcast; each Python worker unpickles it once and keeps it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
import pyarrow as pa

from borderline import gctune
from borderline.engine import AssessContext, Engine
from borderline.errors import BorderlineError
from borderline.fraud import (
    DEFAULT_LABEL_DELAY_DAYS,
    Prescored,
    flatten,
    online_features_many,
    prescore,
)
from borderline.model import Decision, Order
from borderline.privacy import TransferHistory
from borderline.screening import WhitelistDecision, replace_whitelist
from borderline.spark._context import (
    ListSnapshot,
    RowFeatureStore,
    RowHistory,
    RowView,
    history_from_row,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# -- stage 1: parse and flatten -------------------------------------------------------------------

FLAT_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("seq", pa.int64()),
    ("input", pa.string()),
    ("order_id", pa.string()),
    ("error", pa.string()),
    # The validated order as JSON (``model_dump(mode="json")``): the decision stage rebuilds
    # the order from it without parsing and checking the input a second time.
    ("payload", pa.string()),
    ("t", pa.int64()),
    ("created_us", pa.int64()),
    ("amount", pa.float64()),
    ("currency", pa.string()),
    ("ship_country", pa.string()),
    ("customer", pa.string()),
    ("card", pa.string()),
    ("device", pa.string()),
    ("ip", pa.string()),
    ("email", pa.string()),
    ("ship_addr", pa.string()),
    ("corridor", pa.string()),
    ("merchant", pa.string()),
)
FLAT_SCHEMA = pa.schema(list(FLAT_FIELDS))
FLAT_DDL = (
    "seq long, input string, order_id string, error string, payload string, t long, "
    "created_us long, amount double, currency string, ship_country string, customer string, "
    "card string, device string, ip string, email string, ship_addr string, corridor string, "
    "merchant string"
)


def parse(order_json: str | None, where: str) -> Order:
    """One input record to an ``Order``; the error names the input line and the field."""
    from borderline.decisions import parse_order
    from borderline.errors import InvalidInput

    if order_json is None:
        raise InvalidInput("no order", where=where)
    try:
        payload = json.loads(order_json)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg}", where=where) from None
    return parse_order(payload, "")


def error_text(exc: BorderlineError, where: str) -> str:
    return f"{where}: {exc.where}: {exc.message}" if exc.where else f"{where}: {exc.message}"


def flatten_row(seq: int, where: str, order_json: str | None) -> dict[str, Any]:
    try:
        order = parse(order_json, where)
    except BorderlineError as exc:
        row: dict[str, Any] = {name: None for name, _ in FLAT_FIELDS}
        row.update(seq=seq, input=where, error=error_text(exc, where))
        return row
    flat = flatten(order)
    out = {name: flat.get(name) for name, _ in FLAT_FIELDS if name in flat}
    out.update(
        seq=seq,
        input=where,
        order_id=order.id,
        error=None,
        payload=orjson.dumps(order.model_dump(mode="json")).decode(),
        created_us=(order.created_at - _EPOCH) // timedelta(microseconds=1),
    )
    return out


def flatten_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        cols = batch.to_pydict()
        rows = [
            flatten_row(s, w, j)
            for s, w, j in zip(cols["seq"], cols["input"], cols["order_json"], strict=True)
        ]
        yield pa.RecordBatch.from_pylist(rows, schema=FLAT_SCHEMA)


# -- stage 2: decide -------------------------------------------------------------------------------

REASON = pa.struct(
    [
        ("code", pa.string()),
        ("severity", pa.string()),
        ("contribution", pa.float64()),
        ("explanation", pa.string()),
        ("assessor", pa.string()),
        ("source", pa.string()),
    ]
)
RULE = pa.struct([("rule", pa.string()), ("kind", pa.string()), ("effect", pa.string())])
DECISION_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("input", pa.string()),
        ("order_id", pa.string()),
        ("decision_id", pa.string()),
        ("outcome", pa.string()),
        ("score", pa.float64()),
        ("actions", pa.list_(pa.string())),
        ("reasons", pa.list_(REASON)),
        ("reason_codes", pa.list_(pa.string())),
        ("rules", pa.list_(RULE)),
        ("versions", pa.map_(pa.string(), pa.string())),
        ("degraded", pa.bool_()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("record_hash", pa.string()),
        ("payload_sha256", pa.string()),
        ("decision_json", pa.string()),
        ("order_json", pa.string()),
        ("error", pa.string()),
    ]
)
DECISION_DDL = (
    "seq long, input string, order_id string, decision_id string, outcome string, "
    "score double, actions array<string>, "
    "reasons array<struct<code:string,severity:string,contribution:double,explanation:string,"
    "assessor:string,source:string>>, reason_codes array<string>, "
    "rules array<struct<rule:string,kind:string,effect:string>>, versions map<string,string>, "
    "degraded boolean, created_at timestamp, record_hash string, payload_sha256 string, "
    "decision_json string, order_json string, error string"
)


@dataclass
class Job:
    """Everything a task needs besides the screening index (broadcast on its own)."""

    engine: Engine
    fraud_model: Any = None
    lists: ListSnapshot = field(default_factory=lambda: ListSnapshot(()))
    whitelist: list[WhitelistDecision] = field(default_factory=list)
    register: TransferHistory = field(default_factory=TransferHistory)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS
    # (index, engine searching it): built in the worker, never pickled.
    _built: tuple[Any, Engine] | None = field(default=None, init=False, repr=False, compare=False)

    def engine_with(self, index: Any) -> Engine:
        """The engine whose screening assessors search ``index`` (the broadcast one).

        Built once per job and index in a Python worker, which runs task after task of the
        same job: the screening assessor's cache of searched parties then carries over from
        one task to the next instead of starting empty each time (a task of a million-order
        job met thousands of parties its worker had searched already)."""
        if index is None:
            return self.engine
        if self._built is not None and self._built[0] is index:
            return self._built[1]
        from borderline.screening import ScreeningAssessor

        assessors: list[Any] = [
            ScreeningAssessor(a.config, index=index) if isinstance(a, ScreeningAssessor) else a
            for a in self.engine.assessors
        ]
        engine = Engine(
            assessors, policy=self.engine.policy, policy_version=self.engine.policy_version
        )
        self._built = (index, engine)
        return engine

    def __getstate__(self) -> dict[str, Any]:
        # The engine built around a worker's index stays in that worker.
        return {**self.__dict__, "_built": None}


def parse_row(row: Mapping[str, Any]) -> Order | str:
    """The row's order, or the error text its decision row carries.

    A row of the decision stage carries ``payload``, the order stage 1 validated, dumped as
    JSON: validating that again (``Order.from_dump_json``, without the input limits stage 1
    held it to) gives the same order, at about a third of the cost of parsing the input.
    Without it, ``order_json`` is parsed as the input is."""
    where = str(row["input"])
    payload = row.get("payload")
    if payload is not None:
        return Order.from_dump_json(payload)
    try:
        return parse(row["order_json"], where)
    except BorderlineError as exc:
        return error_text(exc, where)


def feature_store(row: Mapping[str, Any], job: Job) -> RowFeatureStore:
    return RowFeatureStore(RowView(row, job.label_delay_days), job.label_delay_days)


def prescored(
    rows: list[Mapping[str, Any]], orders: list[Order | str], job: Job
) -> list[Prescored | None]:
    """The fraud model's scores of a batch's orders in one call (``fraud.prescore``), from the
    same window-computed features the assessor would read order by order."""
    if job.fraud_model is None:
        return [None] * len(rows)
    at = [i for i, o in enumerate(orders) if isinstance(o, Order)]
    feats = online_features_many(
        [flatten(cast(Order, orders[i])) for i in at],
        [RowView(rows[i], job.label_delay_days) for i in at],
        job.label_delay_days,
    )
    out: list[Prescored | None] = [None] * len(rows)
    for i, score in zip(at, prescore(job.fraud_model, feats), strict=True):
        out[i] = score
    return out


def decide_row(
    row: Mapping[str, Any],
    engine: Engine,
    job: Job,
    order: Order | str | None = None,
    pre: Prescored | None = None,
) -> dict[str, Any]:
    """One decision row, exactly as the service would decide and record the order.

    ``order`` is the row parsed already (or its error text), ``pre`` the fraud model's score
    computed with the rest of the batch; without them the row is parsed and scored here."""
    from borderline.decisions import decision_canonical, history_snapshot, payload_sha256

    seq, where = int(row["seq"]), str(row["input"])
    if order is None:
        order = parse_row(row)
    if isinstance(order, str):
        return error_row(seq, where, row.get("order_id"), order)
    history = history_from_row(row)
    extras: dict[str, Any] = {
        "fraud.feature_store": feature_store(row, job),
        "privacy.volumes": job.register,
    }
    if job.fraud_model is not None:
        extras["fraud.model"] = job.fraud_model
    if pre is not None:
        extras["fraud.prescored"] = pre
    ctx = AssessContext(
        history=RowHistory(order.customer_key, history),
        lists=job.lists,
        now=job.now,
        extras=extras,
    )
    decision = engine.assess(order, ctx)
    text = row.get("payload")
    if text is None:
        text = orjson.dumps(order.model_dump(mode="json")).decode()
    phash = payload_sha256(orjson.loads(text))
    canon = decision_canonical(decision, history_snapshot(history))
    return decision_row(seq, where, decision, canon, text, phash)


def decision_row(
    seq: int,
    where: str,
    decision: Decision,
    canon: bytes,
    order_json: str,
    phash: str,
) -> dict[str, Any]:
    """The output row; ``canon`` is the decision body's canonical JSON
    (``decisions.decision_canonical``), ``order_json`` the order's JSON
    (``model_dump(mode="json")``)."""
    from borderline.decisions import decision_record_hash, reason_fields

    rhash = decision_record_hash(canon, phash)
    return {
        "seq": seq,
        "input": where,
        "order_id": decision.order_id,
        "decision_id": decision.decision_id,
        "outcome": str(decision.outcome),
        "score": decision.score,
        "actions": list(decision.actions),
        "reasons": [reason_fields(r) for r in decision.reasons],
        "reason_codes": [r.code for r in decision.reasons],
        "rules": [{"rule": h.rule, "kind": h.kind, "effect": h.effect} for h in decision.rules],
        "versions": sorted(decision.versions.items()),
        "degraded": decision.degraded,
        "created_at": decision.created_at,
        "record_hash": rhash,
        "payload_sha256": phash,
        "decision_json": canon.decode(),
        "order_json": order_json,
        "error": None,
    }


def error_row(seq: int, where: str, order_id: str | None, error: str) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in DECISION_SCHEMA.names}
    row.update(seq=seq, input=where, order_id=order_id, error=error)
    return row


_settled = False


def _settle_worker() -> None:
    """Once per Python worker, after it has loaded the job: the collector thresholds of a
    process that decides orders (``borderline.gctune``, as ``Application.open`` sets them),
    and what was loaded (the screening index, models, engine) moved out of the collector's
    reach, so that its collections stop walking the index's objects."""
    global _settled
    if _settled:
        return
    gctune.tune()
    gc.freeze()
    _settled = True


def decide_batches(
    batches: Iterable[pa.RecordBatch], job: Job, index: Any
) -> Iterator[pa.RecordBatch]:
    engine = job.engine_with(index)
    _settle_worker()
    # Analyst false-positive decisions, as the service holds them in memory.
    replace_whitelist(job.whitelist)
    for batch in batches:
        rows = batch.to_pylist()
        orders = [parse_row(r) for r in rows]
        scores = prescored(rows, orders, job)
        out = [
            decide_row(r, engine, job, o, p) for r, o, p in zip(rows, orders, scores, strict=True)
        ]
        yield pa.RecordBatch.from_pylist(out, schema=DECISION_SCHEMA)
