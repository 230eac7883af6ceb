"""The durable online feature store over the tables ``fraud_*`` (``fraud.tables``).

Each recorded order adds one row per entity it names (customer, card, device, IP, e-mail,
shipping address, corridor) to ``fraud_events`` — entity values are stored as SHA-256 digests,
so e-mails and IPs do not sit in clear text here — and one row per (entity, other) link to
``fraud_links``. ``fraud_labels`` holds each order's latest label, copied onto the order's
event rows; ``fraud_days`` counts orders and frauds per entity value and day.
``features(flat)`` fetches what one order needs in three grouped, indexed queries and runs
``borderline.fraud.features.online_features`` over the result.

Only adapters and services import this module (domain code stays free of the DB layer).
Feed it with ``record(flat)`` as orders are assessed and ``record_label`` as labels arrive, or
catch up from the core ``orders`` and ``labels`` tables with ``sync_from_core()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from borderline.errors import InvalidInput
from borderline.fraud.features import (
    DAY,
    DEFAULT_LABEL_DELAY_DAYS,
    ENTITY_COLS,
    SPEC,
    Prior,
    Spec,
    label_bounds,
    online_features,
)
from borderline.fraud.flat import flatten
from borderline.fraud.tables import (
    FraudDayRow,
    FraudEventRow,
    FraudLabelRow,
    FraudLinkRow,
    FraudOrderRow,
)
from borderline.model import Order
from borderline.store.db import Base
from borderline.store.models import LabelRow, OrderRow


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


_NEVER = -(2**62)  # a lower time bound below any stored t: "the entity's whole history"


@dataclass(frozen=True)
class _Plan:
    """What ``online_features`` asks of the tables under a ``Spec``."""

    windows: tuple[int, ...]  # distinct velocity window lengths
    velocity: dict[str, int]  # entity -> its longest velocity window
    whole: frozenset[str]  # entities whose whole history is needed (age, amount history)
    label: frozenset[str]  # entities with label-aware risk
    entities: tuple[str, ...]  # every entity the event statement looks up


@cache
def _plan(spec: Spec = SPEC) -> _Plan:
    velocity: dict[str, int] = {}
    for e, w, _agg in spec.velocity:
        velocity[e] = max(velocity.get(e, 0), w)
    whole = frozenset((*spec.age, *spec.history))
    return _Plan(
        windows=tuple(sorted({w for _e, w, _agg in spec.velocity})),
        velocity=velocity,
        whole=whole,
        label=frozenset(spec.label),
        entities=tuple(sorted(set(velocity) | whole | set(spec.label))),
    )


@dataclass(frozen=True)
class _LabelWindow:
    """The label window (lo, hi] split into whole UTC days and the two partial days at its
    ends: (lo, first_end) and [last_start, hi]. It spans 90 days, so the two never meet."""

    lo: int
    hi: int

    def __post_init__(self) -> None:
        if self.hi // DAY <= self.lo // DAY:
            raise ValueError("the label window must span at least one day boundary")

    @property
    def first_end(self) -> int:
        return (self.lo // DAY + 1) * DAY

    @property
    def last_start(self) -> int:
        return (self.hi // DAY) * DAY

    @property
    def whole_days(self) -> tuple[int, int]:
        """Days d with lo // DAY < d < hi // DAY."""
        return self.lo // DAY, self.hi // DAY


@cache
def _statements(spec: Spec = SPEC) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The three statements ``SqlFeatureStore.features`` runs, built once per process.

    1. events: per entity of the order, one grouped pass over the index rows any feature looks
       at — the entity's whole history (age, amount history), its longest velocity window, the
       two partial days of the label window — giving the count and first t, the count / sum /
       sum of squares of the orders in the order's currency, the count and same-currency amount
       sum inside each velocity window, and orders and frauds on those partial days;
    2. days: per label entity, orders and frauds on the whole days of the label window;
    3. links: per (entity, other), distinct others so far and whether this order's is one.
    Every value is a bound parameter, so SQLAlchemy compiles each statement once.
    """
    ev, dy, lk = FraudEventRow.__table__, FraudDayRow.__table__, FraudLinkRow.__table__
    plan = _plan(spec)

    def p(name: str, type_: Any = BigInteger) -> Any:
        return bindparam(name, type_=type_)

    same = ev.c.currency == p("currency", String)
    cols: list[Any] = [
        ev.c.entity,
        ev.c.value,
        func.count(),
        func.min(ev.c.t),
        func.sum(case((same, 1), else_=0)),
        func.sum(case((same, ev.c.amount))),
        func.sum(case((same, ev.c.amount * ev.c.amount))),
    ]
    for w in plan.windows:
        inside = ev.c.t > p(f"since_{w}")
        cols += [
            func.sum(case((inside, 1), else_=0)),
            func.sum(case((and_(inside, same), ev.c.amount))),
        ]
    first_day = and_(ev.c.t > p("label_lo"), ev.c.t < p("label_first_end"))
    last_day = and_(ev.c.t >= p("label_last_start"), ev.c.t <= p("label_hi"))
    edge = or_(first_day, last_day)
    cols += [
        func.sum(case((edge, 1), else_=0)),
        func.sum(case((and_(edge, ev.c.fraud.is_(True)), 1), else_=0)),
    ]
    keys = []
    for e in plan.entities:
        mine = and_(ev.c.entity == e, ev.c.value == p(f"v_{e}", String))
        if e in plan.whole:
            keys.append(mine)
            continue
        if e in plan.velocity:
            keys.append(and_(mine, ev.c.t > p(f"from_{e}")))
        if e in plan.label:
            keys += [and_(mine, first_day), and_(mine, last_day)]
    events = select(*cols).where(or_(*keys), ev.c.t <= p("t")).group_by(ev.c.entity, ev.c.value)
    days = (
        select(dy.c.entity, dy.c.value, func.sum(dy.c.orders), func.sum(dy.c.frauds))
        .where(
            or_(
                *(
                    and_(dy.c.entity == e, dy.c.value == p(f"v_{e}", String))
                    for e in sorted(plan.label)
                )
            ),
            dy.c.day > p("day_lo", Integer),
            dy.c.day < p("day_hi", Integer),
        )
        .group_by(dy.c.entity, dy.c.value)
    )
    others = sorted({o for _e, o in spec.distinct})
    this_one = case(*((lk.c.other == o, p(f"v_{o}", String)) for o in others))
    links = (
        select(
            lk.c.entity,
            lk.c.value,
            lk.c.other,
            func.count(),
            func.sum(case((lk.c.other_value == this_one, 1), else_=0)),
        )
        .where(
            or_(
                *(
                    and_(
                        lk.c.entity == e,
                        lk.c.value == p(f"v_{e}", String),
                        lk.c.other == o,
                    )
                    for e, o in spec.distinct
                )
            )
        )
        .group_by(lk.c.entity, lk.c.value, lk.c.other)
    )
    return events, days, links


@cache
def _pg_sql(stmt: Select[Any], dialect: Any) -> Any:
    return stmt.compile(dialect=dialect)


def _run_all(conn: Any, stmts: tuple[Select[Any], ...], params: dict[str, Any]) -> list[Any]:
    """Run the statements and return their rows. On PostgreSQL with psycopg 3 they go in one
    round trip (pipeline mode) instead of one each; elsewhere one after the other."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        raw = conn.connection.driver_connection
        compiled = [_pg_sql(q, conn.dialect) for q in stmts]
        cursors = []
        with raw.pipeline():
            for c in compiled:
                cur = raw.cursor()
                cur.execute(str(c), c.construct_params(params))
                cursors.append(cur)
        return [cur.fetchall() for cur in cursors]
    return [conn.execute(q, params).all() for q in stmts]


class _Fetched:
    """An ``EntityView`` over what the three statements returned for one order.

    It answers exactly the questions ``online_features`` asks of that order (windows ending at
    its time, its label window, the whole history of the entities that need it) and refuses
    any other: the SQL store and the in-memory store then feed the very same feature code.
    """

    # events row: count, first t, same-currency count / sum / sum of squares, then per window
    # (count, same-currency sum), then label-window edges (orders, frauds)
    _WINDOWS = 5

    def __init__(
        self,
        t: int,
        currency: str,
        label: tuple[int, int],
        plan: _Plan,
        events: dict[tuple[str, str], tuple[Any, ...]],
        days: dict[tuple[str, str], tuple[int, int]],
        links: dict[tuple[str, str, str], tuple[int, bool]],
    ) -> None:
        self.t, self.currency, self.label, self.plan = t, currency, label, plan
        self.events, self.days, self.links = events, days, links
        self.col = {w: self._WINDOWS + 2 * i for i, w in enumerate(plan.windows)}
        self.edge_col = self._WINDOWS + 2 * len(plan.windows)

    def _ask(self, what: str, ok: bool) -> None:
        if not ok:
            raise RuntimeError(f"SqlFeatureStore did not fetch {what} for this order")

    def window(self, entity: str, value: str, lo: int, hi: int, currency: str) -> tuple[int, float]:
        self._ask(
            f"the window ({lo}, {hi}] of {entity} in {currency}",
            hi == self.t
            and currency == self.currency
            and hi - lo in self.col
            and hi - lo <= self.plan.velocity.get(entity, 0),
        )
        row = self.events.get((entity, value))
        if row is None:
            return 0, 0.0
        i = self.col[hi - lo]
        return int(row[i]), float(row[i + 1] or 0.0)

    def prior(self, entity: str, value: str, t: int, currency: str) -> Prior:
        self._ask(
            f"the history of {entity} up to {t} in {currency}",
            t == self.t and currency == self.currency and entity in self.plan.whole,
        )
        row = self.events.get((entity, value))
        if row is None:
            return Prior(0, None, 0, 0.0, 0.0)
        return Prior(
            int(row[0]), int(row[1]), int(row[2]), float(row[3] or 0.0), float(row[4] or 0.0)
        )

    def distinct(self, entity: str, value: str, other: str) -> int:
        return self.links.get((entity, value, other), (0, False))[0]

    def linked(self, entity: str, value: str, other: str, other_value: str) -> bool:
        return self.links.get((entity, value, other), (0, False))[1]

    def labelled(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, int]:
        self._ask(
            f"labels of {entity} in ({lo}, {hi}]",
            (lo, hi) == self.label and entity in self.plan.label,
        )
        row = self.events.get((entity, value))
        known, frauds = self.days.get((entity, value), (0, 0))
        if row is not None:
            known += int(row[self.edge_col])
            frauds += int(row[self.edge_col + 1])
        return known, frauds


_LABEL_OF = select(FraudLabelRow.is_fraud).where(FraudLabelRow.order_id == bindparam("oid"))

# (dialect, table, kind) -> the upsert statement ``_insert_new`` / ``_add_to_days`` run.
_STATEMENTS: dict[tuple[str, type[Base], str], Any] = {}


class SqlFeatureStore:
    """``EntityView`` source over the ``fraud_*`` tables of one SQLAlchemy session.

    ``features(flat)`` runs three grouped, indexed queries (events, days, links — see
    ``_statements``) whatever the order, then computes the features in Python with
    ``online_features``, the same code the in-memory store runs.
    """

    def __init__(self, session: Session, label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS) -> None:
        if label_delay_days < 0:
            raise InvalidInput("must be zero or more", where="label_delay_days")
        self.s = session
        self.label_delay_days = label_delay_days

    def fetch(self, flat: Mapping[str, Any]) -> _Fetched:
        """What the tables know about the order's entities, as an ``EntityView``."""
        events_q, days_q, links_q = _statements()
        plan = _plan()
        t = int(flat["t"])
        label = label_bounds(t, self.label_delay_days)
        lw = _LabelWindow(*label)
        # An entity the order does not name is looked up as "": no digest equals it.
        digests = {e: (digest(flat[e]) if flat[e] else "") for e in ENTITY_COLS}
        plain = {digests[e]: flat[e] for e in ENTITY_COLS if flat[e]}
        params: dict[str, Any] = {f"v_{e}": d for e, d in digests.items()}
        params.update(
            t=t,
            currency=str(flat["currency"]),
            label_lo=lw.lo,
            label_first_end=lw.first_end,
            label_last_start=lw.last_start,
            label_hi=lw.hi,
        )
        params["day_lo"], params["day_hi"] = lw.whole_days
        for w in plan.windows:
            params[f"since_{w}"] = t - w
        for e, w in plan.velocity.items():
            params[f"from_{e}"] = t - w
        conn = self.s.connection()
        ev_rows, day_rows, link_rows = _run_all(conn, (events_q, days_q, links_q), params)
        events = {(str(r[0]), plain[r[1]]): tuple(r[2:]) for r in ev_rows}
        days = {(str(r[0]), plain[r[1]]): (int(r[2]), int(r[3])) for r in day_rows}
        links = {(str(r[0]), plain[r[1]], str(r[2])): (int(r[3]), bool(r[4])) for r in link_rows}
        return _Fetched(t, str(flat["currency"]), label, plan, events, days, links)

    # --- use
    def features(self, flat: Mapping[str, Any]) -> dict[str, float]:
        return online_features(flat, self.fetch(flat), self.label_delay_days)

    def _dialect_insert(self, table: type[Base]) -> Any:
        name = self.s.get_bind().dialect.name
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        if name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table)
        raise InvalidInput(
            f"the fraud feature store runs on SQLite or PostgreSQL, not {name}",
            where="database_url",
        )

    def _insert_new(self, table: type[Base]) -> Any:
        """INSERT … ON CONFLICT DO NOTHING: a row another transaction or an earlier call wrote
        first is kept, without a read before each write. Built once per dialect and table
        (building it cost more than running it, on every recorded order)."""
        key = (self.s.get_bind().dialect.name, table, "new")
        stmt = _STATEMENTS.get(key)
        if stmt is None:
            stmt = _STATEMENTS[key] = self._dialect_insert(table).on_conflict_do_nothing()
        return stmt

    def _add_to_days(self, rows: list[dict[str, Any]]) -> None:
        """Add ``orders`` and ``frauds`` to each (entity, value, day) row, creating it if new."""
        key = (self.s.get_bind().dialect.name, FraudDayRow, "add")
        stmt = _STATEMENTS.get(key)
        if stmt is None:
            ins = self._dialect_insert(FraudDayRow)
            stmt = _STATEMENTS[key] = ins.on_conflict_do_update(
                index_elements=["entity", "value", "day"],
                set_={
                    "orders": FraudDayRow.orders + ins.excluded.orders,
                    "frauds": FraudDayRow.frauds + ins.excluded.frauds,
                },
            )
        self.s.connection().execute(stmt, rows)

    def record(self, flat: Mapping[str, Any]) -> bool:
        """Add one order's events; returns False when the order was already recorded."""
        oid = str(flat["order_id"])
        t = int(flat["t"])
        amount = float(flat["amount"])
        currency = str(flat["currency"])
        conn = self.s.connection()
        key = (self.s.get_bind().dialect.name, FraudOrderRow, "new-returning")
        if key not in _STATEMENTS:
            _STATEMENTS[key] = self._insert_new(FraudOrderRow).returning(FraudOrderRow.order_id)
        added = conn.execute(
            _STATEMENTS[key],
            {"order_id": oid, "t": t, "recorded_at": datetime.now(UTC)},
        ).first()
        if added is None:
            return False
        # A label may have arrived before its order (see record_label).
        fraud = bool(conn.scalar(_LABEL_OF, {"oid": oid}))
        named = [(ent, digest(flat[ent])) for ent in ENTITY_COLS if flat[ent]]
        if named:
            conn.execute(
                insert(FraudEventRow),
                [
                    {
                        "order_id": oid,
                        "entity": e,
                        "value": v,
                        "t": t,
                        "amount": amount,
                        "currency": currency,
                        "fraud": fraud,
                    }
                    for e, v in named
                ],
            )
            self._add_to_days(
                [
                    {"entity": e, "value": v, "day": t // DAY, "orders": 1, "frauds": int(fraud)}
                    for e, v in named
                ]
            )
        links = [
            {
                "entity": ent,
                "value": digest(flat[ent]),
                "other": other,
                "other_value": digest(flat[other]),
                "first_t": t,
            }
            for ent, other in SPEC.distinct
            if flat[ent] and flat[other]
        ]
        if links:
            conn.execute(self._insert_new(FraudLinkRow), links)
        return True

    def record_label(self, order_id: str, is_fraud: bool) -> None:
        """Set the order's latest label: in ``fraud_labels``, on the order's event rows and in
        the day counts. A label for an order not recorded yet is kept and applied when the
        order is recorded."""
        row = self.s.get(FraudLabelRow, order_id)
        now = datetime.now(UTC)
        if row is None:
            self.s.add(FraudLabelRow(order_id=order_id, is_fraud=is_fraud, updated_at=now))
        else:
            row.is_fraud, row.updated_at = is_fraud, now
        self.s.flush()
        # Only rows whose flag really flips come back; a concurrent transaction flipping the
        # same order waits on the row locks and then finds nothing left to flip.
        ev = FraudEventRow
        flipped = self.s.connection().execute(
            update(ev)
            .where(ev.order_id == order_id, ev.fraud.is_(not is_fraud))
            .values(fraud=is_fraud)
            .returning(ev.entity, ev.value, ev.t)
        )
        step = 1 if is_fraud else -1
        changes = [
            {"entity": e, "value": v, "day": int(t) // DAY, "orders": 0, "frauds": step}
            for e, v, t in flipped
        ]
        if changes:
            self._add_to_days(changes)

    def sync_from_core(self) -> tuple[int, int]:
        """Record stored orders not yet in the store (oldest first) and every order's latest
        label from the core ``labels`` table. Returns (orders added, labels written)."""
        missing = self.s.scalars(
            select(OrderRow)
            .outerjoin(FraudOrderRow, FraudOrderRow.order_id == OrderRow.id)
            .where(FraudOrderRow.order_id.is_(None))
            .order_by(OrderRow.created_at, OrderRow.id)
        ).all()
        added = 0
        for row in missing:
            try:
                order = Order.model_validate(row.payload)
            except ValidationError:
                continue  # a payload the current model rejects cannot be featurised
            added += int(self.record(flatten(order)))
        latest: dict[str, bool] = {}
        for lab in self.s.scalars(select(LabelRow).order_by(LabelRow.event_at, LabelRow.id)):
            latest[lab.order_id] = bool(lab.is_fraud)
        for oid, is_fraud in latest.items():
            self.record_label(oid, is_fraud)
        return added, len(latest)


def stored_history(session: Session, until: datetime | None = None) -> tuple[Any, Any]:
    """(flat frame, labels frame) of orders stored by the core before ``until``, oldest first;
    labels are each order's latest from the core ``labels`` table."""
    import pandas as pd

    from borderline.fraud.flat import frame

    q = select(OrderRow.payload).order_by(OrderRow.created_at, OrderRow.id)
    if until is not None:
        q = q.where(OrderRow.created_at < until)
    records = []
    for payload in session.scalars(q):
        try:
            records.append(flatten(Order.model_validate(payload)))
        except ValidationError:
            continue
    latest: dict[str, tuple[int, datetime]] = {}
    for lab in session.scalars(select(LabelRow).order_by(LabelRow.event_at, LabelRow.id)):
        latest[lab.order_id] = (int(lab.is_fraud), lab.event_at)
    labels = pd.DataFrame(
        [(k, v[0], v[1]) for k, v in latest.items()], columns=["order_id", "is_fraud", "event_at"]
    )
    return frame(records), labels


def context_extras(session: Session) -> dict[str, Any]:
    """The online feature store for the fraud assessor, in the order's own transaction.

    Registered under the ``borderline.context`` entry-point group.
    """
    return {"fraud.feature_store": SqlFeatureStore(session)}


class _RecordAssessed:
    """After orders are stored, add them to the online feature store (same transaction).

    Registered under the ``borderline.recorded`` entry-point group, so the next order of the
    same card, device or customer sees this one in its velocity features. Called per order, or
    with ``many`` for the orders a group commit or a batch stores together (one statement per
    table: ``fraud.recording``).
    """

    def __call__(self, session: Session, order: Order, decision: Any) -> None:
        SqlFeatureStore(session).record(flatten(order))

    def many(self, session: Session, stored: Sequence[tuple[Order, Any]]) -> None:
        from borderline.fraud.recording import record_many

        if len(stored) == 1:  # one order: the per-order statements are fewer
            self(session, *stored[0])
            return
        record_many(SqlFeatureStore(session), [flatten(order) for order, _ in stored])


record_assessed = _RecordAssessed()
