"""Assess orders and record them: idempotency, customer aggregates, the decision's ledger entry.

Every order lands in one transaction together with its ledger entry: all of it, or none.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from borderline.decisions.history import DbHistory, history_snapshot
from borderline.engine import AssessContext, CustomerHistory, Engine, ListProvider
from borderline.errors import Conflict, InvalidInput, NotFound, from_validation
from borderline.ledger import canonical_json, canonical_json_builtin
from borderline.ledger.tables import payload_hashes
from borderline.model import Decision, Finding, Order, Reason
from borderline.store import begin_write, in_chunks, present, transaction
from borderline.store.models import CustomerStatsRow, DecisionRow, FindingRow, OrderRow
from borderline.store.ports import LedgerAppender, SessionFactory
from borderline.store.times import aware

if TYPE_CHECKING:
    from borderline.decisions.group import GroupCommitter

# Statements compiled once and executed with bound parameters: the per-order hot path.
_ORDERS_INSERT = insert(cast(Table, OrderRow.__table__))
_DECISIONS_INSERT = insert(cast(Table, DecisionRow.__table__))
_FINDINGS_INSERT = insert(cast(Table, FindingRow.__table__))
# Table columns (Core): asked for every decision.
_HASH_SELECT = select(OrderRow.__table__.c.payload_hash).where(
    OrderRow.__table__.c.id == bindparam("id")
)

_HASHES_SELECT = select(OrderRow.__table__.c.id, OrderRow.__table__.c.payload_hash).where(
    OrderRow.__table__.c.id.in_(bindparam("ids", expanding=True))
)


def _stored_hashes(s: Session, ids: set[str]) -> dict[str, str]:
    """The stored payload hash of each of ``ids`` that is stored, in one statement (a
    group's replay check, where each order had a statement of its own)."""
    out: dict[str, str] = {}
    for part in in_chunks(sorted(ids)):
        out.update((i, h) for i, h in s.execute(_HASHES_SELECT, {"ids": list(part)}))
    return out


ContextProvider = Callable[[Session], Mapping[str, Any]]
RecordedHook = Callable[[Session, Order, Decision], Any]


@cache  # built once per dialect: building it cost more than running it, on every store
def _stats_upsert(dialect: str) -> Any:
    table = cast(Table, CustomerStatsRow.__table__)
    from sqlalchemy.dialects import postgresql, sqlite

    # Both dialects spell an upsert the same way; only the import differs.
    make: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(table)
    c, new = table.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[c.customer_key],
        set_={
            "orders": c.orders + 1,
            "amount_sum": c.amount_sum + new.amount_sum,
            "amount_sumsq": c.amount_sumsq + new.amount_sumsq,
            "last_seen": new.last_seen,
            "countries": new.countries,
        },
    )


def payload_sha256(payload: Mapping[str, Any]) -> str:
    """Hash of an order payload's canonical JSON: key order and spacing do not count."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def payload_hash(order: Order) -> str:
    return payload_sha256(order.model_dump(mode="json"))


def parse_order(payload: Any, where: str = "") -> Order:
    if not isinstance(payload, dict):
        raise InvalidInput("an order must be a JSON object", where=where or "order")
    try:
        return Order.model_validate(payload)
    except ValidationError as exc:
        raise from_validation(exc, where) from None


@dataclass
class Decided:
    """An order the engine decided, not yet stored (see ``DecisionRecorder.record``)."""

    order: Order
    payload: dict[str, Any]
    phash: str
    decision: Decision
    customer: CustomerHistory
    engine: Engine


@dataclass
class BatchItem:
    index: int
    order_id: str | None
    decision: Decision | None = None
    error: dict[str, Any] | None = None
    replayed: bool = False


class DecisionRecorder:
    """Runs the engine with the active policy on orders and stores what it decided."""

    def __init__(
        self,
        sessions: SessionFactory,
        ledger: LedgerAppender,
        lists: ListProvider,
        engine_for: Callable[[Session], Engine],
        *,
        max_batch: int,
        context_providers: Sequence[ContextProvider] = (),
        recorded_hooks: Sequence[RecordedHook] = (),
    ) -> None:
        self.sessions, self.ledger, self.lists = sessions, ledger, lists
        self.engine_for = engine_for
        self.max_batch = max_batch
        # Storage-backed helpers domains hand to their assessors through ctx.extras.
        self.context_providers = list(context_providers)
        self.recorded_hooks = list(recorded_hooks)
        self.committer: GroupCommitter | None = None

    def start_group_commit(self, max_group: int = 64) -> None:
        """Store single assessments through one writer thread that commits every order that
        arrived meanwhile together (what the server runs: see ``decisions.group``)."""
        if self.committer is None:
            from borderline.decisions.group import GroupCommitter

            self.committer = GroupCommitter(self, max_group=max_group)

    def stop_group_commit(self) -> None:
        committer, self.committer = self.committer, None
        if committer is not None:
            committer.stop()

    def assess_in(
        self, s: Session, order: Order, engine: Engine, history: DbHistory | None = None
    ) -> tuple[Decision, bool]:
        decided = self.decide(s, order, engine, history)
        if isinstance(decided, Decision):
            return decided, True
        return self.record(s, decided, history)

    def _replay(
        self,
        s: Session,
        order: Order,
        phash: str,
        payload: dict[str, Any],
        known: Mapping[str, str] | None = None,
    ) -> Any:
        """The stored decision when ``order.id`` was assessed already (409 on another payload).

        ``known``: the stored payload hashes of a group's ids, read in one statement
        (``_stored_hashes``); without it the id is looked up alone."""
        if known is None:
            existing = s.execute(_HASH_SELECT, {"id": order.id}).scalar_one_or_none()
        else:
            existing = known.get(order.id)
        if existing is None:
            return None
        # Rows stored before RFC 8785 hashing carry the format-1 hash of the same payload.
        if existing != phash and existing not in payload_hashes(payload):
            raise _conflict(order.id)
        body = s.execute(
            select(DecisionRow.body).where(DecisionRow.order_id == order.id)
        ).scalar_one()
        return Decision.model_validate(body)

    def decide(
        self,
        s: Session,
        order: Order,
        engine: Engine,
        history: DbHistory | None = None,
        extras: dict[str, Any] | None = None,
        stored_ids: set[str] | None = None,
    ) -> Decision | Decided:
        """Run the engine on ``order`` with what ``s`` reads (nothing is written): the stored
        decision when the order was assessed before, else what :meth:`record` stores.

        ``extras`` (the context providers' helpers, built once per batch) is given by a batch,
        which also keeps ``history`` up to date itself (``DbHistory.stored``), and may say
        which of its order ids are stored already (``stored_ids``: the others need no look)."""
        # Dumped once: hashed here for idempotency, stored as is by _store.
        payload = order.model_dump(mode="json")
        phash = payload_sha256(payload)
        if stored_ids is None or order.id in stored_ids:
            stored = self._replay(s, order, phash, payload)
            if stored is not None:
                return cast(Decision, stored)
        db_history = history or DbHistory(s)
        if extras is None:
            db_history.forget(order.customer_key)  # the session may have written it since
            extras = self.context(s)
        ctx = AssessContext(
            history=db_history, lists=self.lists, now=datetime.now(UTC), extras=extras
        )
        t0 = time.perf_counter()
        customer = db_history.customer(order.customer_key, order.created_at)
        decision = engine.assess(order, ctx)
        decision.timings_ms.setdefault("total", round((time.perf_counter() - t0) * 1000, 3))
        return Decided(order, payload, phash, decision, customer, engine)

    def context(self, s: Session) -> dict[str, Any]:
        """What the context providers hand the assessors for orders assessed in ``s``."""
        extras: dict[str, Any] = {}
        for provide in self.context_providers:
            extras.update(provide(s))
        return extras

    def _recorded(self, s: Session, group: Sequence[Decided]) -> None:
        """Tell the domains' recorded hooks about stored orders: at once through a hook's
        ``many`` when it has one (one statement per table), else order by order."""
        if not group:
            return
        for hook in self.recorded_hooks:
            many = getattr(hook, "many", None)
            if many is not None:
                many(s, [(d.order, d.decision) for d in group])
            else:
                for d in group:
                    hook(s, d.order, d.decision)

    def record_group(
        self, s: Session, group: Sequence[Decided]
    ) -> list[tuple[Decision, bool] | Conflict]:
        """Store decided orders whose engine ran in other sessions, in ``s``'s transaction:
        an id stored meanwhile (or twice in the group) is a replay of that decision, or a
        conflict when its payload differs; the rest is written together (``store_many``)."""
        results: list[tuple[Decision, bool] | Conflict | int] = []
        first: dict[str, int] = {}
        fresh: list[Decided] = []
        known = _stored_hashes(s, {d.order.id for d in group})
        for i, d in enumerate(group):
            if d.order.id in first:
                j = first[d.order.id]
                results.append(j if group[j].phash == d.phash else _conflict(d.order.id))
                continue
            try:
                stored = self._replay(s, d.order, d.phash, d.payload, known)
            except Conflict as exc:
                results.append(exc)
                continue
            if stored is not None:
                results.append((cast(Decision, stored), True))
                continue
            first[d.order.id] = i
            fresh.append(d)
            results.append((d.decision, False))
        self.store_many(s, fresh)
        self._recorded(s, fresh)
        # A second copy of an order new in this group replays the first one's decision.
        return [(group[r].decision, True) if isinstance(r, int) else r for r in results]

    def record(
        self, s: Session, d: Decided, history: DbHistory | None = None
    ) -> tuple[Decision, bool]:
        """Store a decision decided in this same session's transaction."""
        self.store_many(s, [d])
        self._recorded(s, [d])
        if history is not None:
            history.forget(d.order.customer_key)
        return d.decision, False

    def store_many(self, s: Session, group: Sequence[Decided]) -> None:
        """Write the orders, decisions, findings, customer aggregates and ledger entries of
        decided orders (new ids, checked by the caller), a statement per table for all of them.

        Core INSERTs rather than ORM objects: this is the hot path of every assessment. The
        ledger entries go in with one append (each order its own entry and receipt).
        """
        if not group:
            return
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        s.execute(_ORDERS_INSERT, [order_row(d.order, d.payload, d.phash, now) for d in group])
        bodies = []
        for d in group:
            body = d.decision.model_dump(mode="json", exclude={"receipt"})
            # The facts the policy saw that are not in the order itself, for replay and
            # backtests.
            body["context"] = history_snapshot(d.customer)
            bodies.append(body)
        receipts = self.ledger.append_many(
            s,
            [
                ("decision", d.decision.decision_id, decision_record(body, d.phash))
                for d, body in zip(group, bodies, strict=True)
            ],
        )
        for d, receipt in zip(group, receipts, strict=True):
            d.decision.receipt = receipt
        s.execute(
            _DECISIONS_INSERT,
            [
                decision_row(
                    d.decision, d.order, body, d.engine.policy.name, d.engine.policy_version
                )
                for d, body in zip(group, bodies, strict=True)
            ],
        )
        findings = [row for d in group for row in finding_rows(d.decision)]
        if findings:
            s.execute(_FINDINGS_INSERT, findings)
        # One upsert per order whatever the history said: a parallel first order of the same
        # customer may have inserted the row since we read it (rows apply in order).
        s.execute(_stats_upsert(s.get_bind().dialect.name), [_stats_row(d) for d in group])
        store_ms = round((time.perf_counter() - t0) * 1000, 3)
        for d in group:
            d.decision.timings_ms["store"] = store_ms

    def assess(self, payload: Mapping[str, Any] | Order) -> tuple[Decision, bool]:
        """Assess and record one order. Returns (decision, replayed)."""
        order = payload if isinstance(payload, Order) else parse_order(dict(payload))
        if self.committer is not None:
            started = self.start(order)
            return started if isinstance(started, tuple) else started.result()
        for attempt in (1, 2):
            try:
                with transaction(self.sessions) as s:
                    return self.assess_in(s, order, self.engine_for(s))
            except (IntegrityError, OperationalError):
                # Another writer stored the same order id (or, on SQLite, committed while we
                # read): nothing of ours was kept; once more sees their row and replays or 409s.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def start(self, order: Order) -> tuple[Decision, bool] | Future[tuple[Decision, bool]]:
        """:meth:`start_many` of one order (its error raised)."""
        started = self.start_many([order])[0]
        if isinstance(started, BaseException):
            raise started
        return started

    def start_many(
        self, orders: Sequence[Order]
    ) -> list[tuple[Decision, bool] | Future[tuple[Decision, bool]] | BaseException]:
        """Run the engine on each order now, outside any write transaction, and hand the new
        ones to the group committer together (``start_group_commit`` first). For each order,
        in order: the stored decision of a replay, a future that resolves once the committer
        stored it, or the error that refused it alone (a conflicting payload)."""
        committer = self.committer
        if committer is None:
            raise RuntimeError("start() stores through the group committer; none is running")
        out: list[Any] = []
        fresh: list[Decided] = []
        with self.sessions() as s:
            engine = self.engine_for(s)
            # Which of these ids are stored already, in one query for the orders of this loop
            # turn rather than one per order: only those are looked at for a replay here (an
            # id stored meanwhile is the committer's to find, ``record_group``).
            stored_ids = present(s, OrderRow.id, (o.id for o in orders))
            for order in orders:
                try:
                    decided = self.decide(s, order, engine, stored_ids=stored_ids)
                except (InvalidInput, Conflict) as exc:
                    out.append(exc)
                    continue
                if isinstance(decided, Decision):
                    out.append((decided, True))
                else:
                    out.append(len(fresh))
                    fresh.append(decided)
        futures = committer.enqueue(fresh)
        return [futures[r] if isinstance(r, int) else r for r in out]

    def reads_recorded(self) -> bool:
        """Whether the engine in service reads what was recorded for earlier orders besides
        the customer's own aggregates (``Engine.reads_recorded``): then one order's decision
        may depend on another customer's, and batches store order by order."""
        with self.sessions() as s:
            probe = AssessContext(history=DbHistory(s), lists=self.lists, extras=self.context(s))
            return self.engine_for(s).reads_recorded(probe)

    def assess_batch(self, payloads: Sequence[Any]) -> list[BatchItem]:
        """Assess many orders; a bad order is reported in its slot, the others go through."""
        for attempt in (1, 2):
            try:
                return self._assess_batch_once(payloads)
            except (IntegrityError, OperationalError):
                # A concurrent writer won a race on one of these orders; the whole batch was
                # rolled back, and the second run replays what the other writer stored.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _assess_batch_once(self, payloads: Sequence[Any]) -> list[BatchItem]:
        """The orders are decided one after the other (each sees the customer aggregates of
        the batch's earlier orders), then stored together in one transaction, a statement per
        table and one ledger append (each order still its own ledger entry and receipt). A bad
        order (invalid, repeated, conflicting) is refused before anything of it is written;
        anything else that goes wrong rolls back the whole batch: never half of it.

        The engine runs before the write transaction opens, in a read session, so another
        process's writes (a second importer, the server's committer) go on meanwhile; an order
        id one of them stored in between is a replay of its decision or a conflict, as for
        the group committer (``record_group``).

        When an assessor reads what the recorded hooks write (the fraud feature store with a
        model in service: ``Engine.reads_recorded``), the orders decided so far are stored
        before the next one is decided, so its features count them as before; the whole batch
        then runs inside the write transaction."""
        if len(payloads) > self.max_batch:
            raise InvalidInput(
                f"{len(payloads)} orders exceed the batch limit of {self.max_batch}",
                where="orders",
            )
        orders: list[Order | InvalidInput] = []
        for i, payload in enumerate(payloads):
            try:
                orders.append(parse_order(payload, f"orders[{i}]"))
            except InvalidInput as exc:
                orders.append(exc)
        with self.sessions() as s:
            engine = self.engine_for(s)
            history = DbHistory(s)
            extras = self.context(s)
            probe = AssessContext(history=history, lists=self.lists, extras=extras)
            if not engine.reads_recorded(probe):
                items, decided = self._decide_batch(s, payloads, orders, engine, history, extras)
                s.rollback()  # end the read snapshot before writing
                if not decided:
                    return items
                with transaction(self.sessions) as ws:
                    begin_write(ws)
                    results = self.record_group(ws, [d for _, d in decided])
                for (i, _), result in zip(decided, results, strict=True):
                    if isinstance(result, Conflict):
                        items[i].decision = None
                        items[i].error = {**result.to_dict(), "status": result.status}
                    else:
                        items[i].decision, items[i].replayed = result
                return items
        with transaction(self.sessions) as s:
            begin_write(s)
            engine = self.engine_for(s)
            history = DbHistory(s)
            extras = self.context(s)
            pending: list[Decided] = []

            def flush() -> None:
                self.store_many(s, pending)
                self._recorded(s, pending)
                pending.clear()

            items, _ = self._decide_batch(
                s, payloads, orders, engine, history, extras, pending=pending, flush=flush
            )
            flush()
        return items

    def _decide_batch(
        self,
        s: Session,
        payloads: Sequence[Any],
        orders: Sequence[Order | InvalidInput],
        engine: Engine,
        history: DbHistory,
        extras: dict[str, Any],
        *,
        pending: list[Decided] | None = None,
        flush: Callable[[], None] | None = None,
    ) -> tuple[list[BatchItem], list[tuple[int, Decided]]]:
        """Decide a batch's parsed orders in ``s``: an item per payload, and the new decisions
        with their item's index. With ``flush``, orders decided so far (``pending``) are stored
        before each next one is decided."""
        parsed = [o for o in orders if isinstance(o, Order)]
        # What the batch's orders need from the database, in a query per 500 orders
        # rather than two per order: which ids are stored already, the customers' history.
        stored_ids = present(s, OrderRow.id, (o.id for o in parsed))
        history.prefetch(o.customer_key for o in parsed)
        items: list[BatchItem] = []
        decided: list[tuple[int, Decided]] = []
        seen: set[str] = set()
        for i, payload in enumerate(payloads):
            oid = payload.get("id") if isinstance(payload, dict) else None
            item = BatchItem(index=i, order_id=oid if isinstance(oid, str) else None)
            try:
                order_or_error = orders[i]
                if isinstance(order_or_error, InvalidInput):
                    raise order_or_error
                order = order_or_error
                if order.id in seen:
                    raise Conflict(
                        f"order id {order.id!r} appears twice in the batch",
                        where=f"orders[{i}].id",
                    )
                seen.add(order.id)
                if pending and flush is not None:
                    flush()
                result = self.decide(s, order, engine, history, extras, stored_ids)
                if isinstance(result, Decision):
                    item.decision, item.replayed = result, True
                else:
                    item.decision = result.decision
                    history.stored(order.customer_key, _stats_row(result))
                    decided.append((i, result))
                    if pending is not None:
                        pending.append(result)
            except (InvalidInput, Conflict) as exc:
                item.error = {**exc.to_dict(), "status": exc.status}
            items.append(item)
        return items, decided

    def get_decision(self, ident: str) -> Decision:
        with self.sessions() as s:
            row = (
                s.get(DecisionRow, ident)
                or s.scalars(select(DecisionRow).where(DecisionRow.order_id == ident)).first()
            )
            if row is None:
                raise NotFound(f"no decision or order {ident!r}")
            return Decision.model_validate(row.body)

    def get_order(self, order_id: str) -> dict[str, Any]:
        with self.sessions() as s:
            row = s.get(OrderRow, order_id)
            if row is None:
                raise NotFound(f"no order {order_id!r}")
            return dict(row.payload)

    def list_decisions(
        self, *, outcome: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = select(
                DecisionRow.id,
                DecisionRow.order_id,
                DecisionRow.outcome,
                DecisionRow.score,
                DecisionRow.created_at,
            ).order_by(DecisionRow.created_at.desc())
            if outcome:
                q = q.where(DecisionRow.outcome == outcome)
            rows = s.execute(q.limit(min(limit, 500)).offset(offset))
            return [
                {
                    "decision_id": r[0],
                    "order_id": r[1],
                    "outcome": r[2],
                    "score": r[3],
                    "created_at": aware(r[4]).isoformat(),
                }
                for r in rows
            ]


def _conflict(order_id: str) -> Conflict:
    return Conflict(
        f"order {order_id!r} was already assessed with a different payload; use a new order id",
        where="id",
    )


def order_row(order: Order, payload: dict[str, Any], phash: str, now: datetime) -> dict[str, Any]:
    """The ``orders`` row of a stored order: the same columns whichever path stores it."""
    return dict(
        id=order.id,
        merchant_id=order.merchant_id,
        customer_key=order.customer_key,
        created_at=order.created_at,
        received_at=now,
        currency=order.currency,
        total=float(order.total),
        origin_country=order.shipment.origin_country,
        destination_country=order.shipment.destination_country,
        payload_hash=phash,
        payload=payload,
    )


def _stats_row(d: Decided) -> dict[str, Any]:
    order, history = d.order, d.customer
    amount = float(order.total)
    dest = order.ship_to.country if order.ship_to else order.shipment.destination_country
    known = set(history.countries)
    countries = ",".join(sorted(known | {dest}))
    if len(countries) >= 990:  # a reshipper's hundreds of countries: keep the first ones
        countries = ",".join(sorted(known))
    return {
        "customer_key": order.customer_key,
        "orders": 1,
        "amount_sum": amount,
        "amount_sumsq": amount * amount,
        "first_seen": order.created_at,
        "last_seen": max(history.last_seen or order.created_at, order.created_at),
        "countries": countries,
    }


# -- ledger records ------------------------------------------------------------------------------


def decision_record(body: Mapping[str, Any], phash: str) -> dict[str, Any]:
    return {
        "decision": {k: v for k, v in body.items() if k != "receipt"},
        "order_payload_sha256": phash,
    }


def decision_hash(body: Mapping[str, Any], phash: str) -> tuple[bytes, str]:
    """The canonical bytes of ``body`` (receipt left out) and the ledger's record hash of
    :func:`decision_record`, with the body serialised once (Spark stores the bytes and the
    hash of each decision row)."""
    canon = canonical_json(decision_record(body, phash)["decision"])
    return canon, decision_record_hash(canon, phash)


def decision_record_hash(canon: bytes, phash: str) -> str:
    """The record hash of :func:`decision_record` from the body's canonical bytes. The record
    has two keys, ``decision`` before ``order_payload_sha256`` in RFC 8785's order, and a hex
    digest is its own canonical string, so its canonical bytes are the body's between fixed
    parts (``test_decision_hash_is_the_ledgers`` holds this and ``record_hash`` together)."""
    record = b'{"decision":' + canon + b',"order_payload_sha256":"' + phash.encode() + b'"}'
    return hashlib.sha256(record).hexdigest()


def decision_canonical(decision: Decision, context: Mapping[str, Any]) -> bytes:
    """The canonical bytes of the body the service stores for ``decision`` (its JSON dump,
    receipt left out, with the customer ``context``), without the dump where that is
    provably the same.

    The body is built from the models' attributes: fields typed as enums and times are
    spelled as the JSON dump spells them, everything else is taken as it is, and when all of
    it is of JSON's own types (the evidence and signals of every assessor are, in practice)
    the dump would have returned it unchanged. Anything else (a date, a tuple, an enum in
    the evidence; a value with no canonical form) takes the dump, as before.
    ``tests/spark/test_decision_row.py`` holds the field lists to the models'."""
    body = {
        "decision_id": decision.decision_id,
        "order_id": decision.order_id,
        "outcome": str(decision.outcome),
        "score": decision.score,
        "actions": decision.actions,
        "reasons": [{**reason_fields(r), "evidence": r.evidence} for r in decision.reasons],
        "rules": [
            {"rule": h.rule, "kind": h.kind, "effect": h.effect, "explanation": h.explanation}
            for h in decision.rules
        ],
        "findings": [_finding_body(f) for f in decision.findings],
        "signals": decision.signals,
        "versions": decision.versions,
        "timings_ms": decision.timings_ms,
        "created_at": _json_time(decision.created_at),
        "degraded": decision.degraded,
        "context": context,
    }
    canon = canonical_json_builtin(body)
    if canon is not None:
        return canon
    dumped = decision.model_dump(mode="json", exclude={"receipt"})
    dumped["context"] = context
    return canonical_json(dumped)


def reason_fields(r: Reason) -> dict[str, Any]:
    """A reason's fields as its JSON dump spells them, but its evidence (the stored body adds
    it; Spark's decision rows leave it out)."""
    return {
        "code": r.code,
        "severity": str(r.severity),
        "contribution": r.contribution,
        "explanation": r.explanation,
        "assessor": r.assessor,
        "source": r.source,
    }


def _finding_body(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": str(f.severity),
        "score": f.score,
        "explanation": f.explanation,
        "evidence": f.evidence,
        "actions": f.actions,
        "signals": f.signals,
        "assessor": f.assessor,
        "source": f.source,
    }


@cache
def _time_adapter() -> TypeAdapter[datetime]:
    return TypeAdapter(datetime)


def _json_time(t: datetime) -> str:
    """A time as a model's JSON dump spells it (``Z`` for UTC, not ``+00:00``)."""
    return cast(str, _time_adapter().dump_python(t, mode="json"))


def decision_record_by_id(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.get(DecisionRow, subject)
    if row is None:
        return None
    order = s.get(OrderRow, row.order_id)
    body = {k: v for k, v in row.body.items() if k != "receipt"}
    # Recompute the payload hash from the stored order: an edited order is detected too.
    phash = payload_sha256(order.payload) if order is not None else "missing"
    return decision_record(body, phash)


def finding_rows(decision: Decision) -> list[dict[str, Any]]:
    """The ``findings`` rows stored for a decision: every finding that scored or is above info
    (the same rows whichever path records the decision, and what ``ledger verify`` re-derives)."""
    return [
        {
            "decision_id": decision.decision_id,
            "code": f.code,
            "severity": str(f.severity),
            "score": f.score,
            "assessor": f.assessor,
        }
        for f in decision.findings
        if f.score > 0 or f.severity != "info"
    ]


def decision_row(
    decision: Decision, order: Order, body: dict[str, Any], policy_name: str, policy_version: str
) -> dict[str, Any]:
    """The ``decisions`` row of a recorded decision (its receipt set): the same columns whichever
    path records it, and what ``ledger verify`` re-derives."""
    assert decision.receipt is not None, "record the decision in the ledger first"
    receipt = decision.receipt
    return dict(
        id=decision.decision_id,
        order_id=order.id,
        outcome=str(decision.outcome),
        score=decision.score,
        policy_name=policy_name,
        policy_version=int(policy_version) if policy_version.isdigit() else 0,
        created_at=decision.created_at,
        record_hash=receipt.record_hash,
        log_index=receipt.log_index,
        body={**body, "receipt": receipt.model_dump()},
    )
