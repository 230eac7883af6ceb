"""Services: the engine plus storage, idempotency, history, lists, policies, labels and ledger.

Adapters (API, CLI, web, batch) call these methods and nothing below them. Every method that
changes data does it in one transaction together with its ledger entry: it all lands, or none.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from borderline.assessors.lists import LIST_KINDS, normalise_value
from borderline.auth import same_person
from borderline.engine import (
    AssessContext,
    CustomerHistory,
    Engine,
    ListHit,
    discover_assessors,
)
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.ledger import Ledger, canonical_json, load_or_create_key
from borderline.ledger.tables import payload_hashes, register_core_coverage
from borderline.model import Decision, Finding, Order
from borderline.policy import Facts, apply_policy, compile_policy, default_policy_source
from borderline.policy.language import CompiledPolicy
from borderline.settings import Settings
from borderline.store import begin_write, make_engine, migrate, session_factory, transaction
from borderline.store.models import (
    CustomerStatsRow,
    DecisionRow,
    FindingRow,
    LabelRow,
    ListEntryRow,
    OrderRow,
    PolicyRow,
)

POLICY_NAME = "default"

# Statements compiled once and executed with bound parameters: the per-order hot path.
_ORDERS_INSERT = insert(cast(Table, OrderRow.__table__))
_DECISIONS_INSERT = insert(cast(Table, DecisionRow.__table__))
_FINDINGS_INSERT = insert(cast(Table, FindingRow.__table__))
_STATS_SELECT = select(
    CustomerStatsRow.orders,
    CustomerStatsRow.amount_sum,
    CustomerStatsRow.amount_sumsq,
    CustomerStatsRow.first_seen,
    CustomerStatsRow.last_seen,
    CustomerStatsRow.countries,
).where(CustomerStatsRow.customer_key == bindparam("key"))


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


_HASH_SELECT = select(OrderRow.payload_hash).where(OrderRow.id == bindparam("id"))
_ACTIVE_SELECT = select(PolicyRow.id).where(
    PolicyRow.name == POLICY_NAME, PolicyRow.status == "active"
)


def payload_sha256(payload: Mapping[str, Any]) -> str:
    """Hash of an order payload's canonical JSON: key order and spacing do not count."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def payload_hash(order: Order) -> str:
    return payload_sha256(order.model_dump(mode="json"))


def validation_to_error(exc: ValidationError, prefix: str = "") -> InvalidInput:
    errors = []
    for e in exc.errors():
        where = prefix
        for part in e["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (("." if where else "") + str(part))
        errors.append(
            {"where": where or "order", "message": str(e["msg"]).removeprefix("Value error, ")}
        )
    first = errors[0]
    return InvalidInput(first["message"], where=first["where"], errors=errors)


def parse_order(payload: Any, where: str = "") -> Order:
    if not isinstance(payload, dict):
        raise InvalidInput("an order must be a JSON object", where=where or "order")
    try:
        return Order.model_validate(payload)
    except ValidationError as exc:
        raise validation_to_error(exc, where) from None


# -- context providers backed by the database ------------------------------------------------


class DbHistory:
    """Customer aggregates read inside the caller's session (sees its own pending writes)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Several assessors and the policy ask about the same customer for one order.
        self._memo: dict[str, CustomerHistory] = {}

    def forget(self, key: str) -> None:
        self._memo.pop(key, None)

    def customer(self, key: str, before: datetime) -> CustomerHistory:
        if key in self._memo:
            return self._memo[key]
        row = self.session.execute(
            select(
                CustomerStatsRow.orders,
                CustomerStatsRow.amount_sum,
                CustomerStatsRow.amount_sumsq,
                CustomerStatsRow.first_seen,
                CustomerStatsRow.last_seen,
                CustomerStatsRow.countries,
            ).where(CustomerStatsRow.customer_key == key)
        ).first()
        if row is None:
            hist = CustomerHistory()
        else:
            hist = CustomerHistory(
                orders=row[0],
                amount_sum=row[1],
                amount_sumsq=row[2],
                first_seen=_aware(row[3]),
                last_seen=_aware(row[4]),
                countries=frozenset(c for c in row[5].split(",") if c),
            )
        self._memo[key] = hist
        return hist


def _aware(dt: datetime) -> datetime:
    # SQLite returns naive datetimes; everything we store is UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class ListCache:
    """All live block/allow entries in memory: lists are small and read on every order."""

    ttl_seconds = 5.0

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._ever_loaded = False
        self._exact: dict[tuple[str, str], list[ListHit]] = {}
        self._by_value: dict[str, list[ListHit]] = {}
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ListHit]] = []

    def invalidate(self) -> None:
        self._loaded_at = 0.0

    def _load(self) -> None:
        now = datetime.now(UTC)
        exact: dict[tuple[str, str], list[ListHit]] = defaultdict(list)
        by_value: dict[str, list[ListHit]] = defaultdict(list)
        networks = []
        with self.sessions() as s:
            rows = s.scalars(select(ListEntryRow).where(ListEntryRow.removed_at.is_(None)))
            for r in rows:
                if r.expires_at is not None and _aware(r.expires_at) <= now:
                    continue
                hit = ListHit(r.list_name, r.kind, r.value, r.action, r.reason)
                by_value[r.value].append(hit)
                if r.kind == "ip" and "/" in r.value:
                    networks.append((ipaddress.ip_network(r.value, strict=False), hit))
                else:
                    exact[(r.kind, r.value)].append(hit)
        self._exact, self._by_value, self._networks = exact, by_value, networks
        self._loaded_at = time.monotonic()

    @property
    def loaded(self) -> bool:
        return self._ever_loaded

    def refresh(self) -> None:
        """Reload now (at start-up, before readiness says ok)."""
        with self._lock:
            self._load()
            self._ever_loaded = True

    def lookup(self, kind: str, value: str) -> Sequence[ListHit]:
        # One thread reloads; the others keep answering from the current snapshot rather
        # than queue on the lock. Queued threads each held a pooled connection for their order
        # while the reloader waited for one more: at 32 concurrent requests the pool ran dry
        # and everyone timed out. Only the very first load is waited for.
        stale = time.monotonic() - self._loaded_at > self.ttl_seconds
        if stale and self._lock.acquire(blocking=not self._ever_loaded):
            try:
                if time.monotonic() - self._loaded_at > self.ttl_seconds:
                    self._load()
                    self._ever_loaded = True
            finally:
                self._lock.release()
        if kind == "any":
            return self._by_value.get(value, ())
        hits = list(self._exact.get((kind, value), ()))
        if kind == "ip" and self._networks:
            try:
                addr = ipaddress.ip_address(value)
            except ValueError:
                return hits
            hits += [h for net, h in self._networks if addr.version == net.version and addr in net]
        return hits


# -- results -----------------------------------------------------------------------------------


@dataclass
class BatchItem:
    index: int
    order_id: str | None
    decision: Decision | None = None
    error: dict[str, Any] | None = None
    replayed: bool = False


@dataclass
class BacktestReport:
    policy: str
    version: int
    orders: int
    changed: int
    transitions: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]
    rules_fired: dict[str, int]
    changes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


# -- the services --------------------------------------------------------------------------------


class Services:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.db = make_engine(settings.url)
        self.sessions = session_factory(self.db)
        key_path = Path(settings.ledger_key_file or settings.data_dir / "ledger-key.pem")
        self.ledger = Ledger(
            settings.ledger_origin,
            load_or_create_key(key_path),
            checkpoint_every=settings.ledger_checkpoint_every,
            checkpoint_seconds=settings.ledger_checkpoint_seconds,
        )
        self.lists = ListCache(self.sessions)
        if engine is None:
            names = [n.strip() for n in settings.assessors.split(",") if n.strip()]
            engine = Engine(discover_assessors(names or None))
        self._base_engine = engine
        self._engine_lock = threading.Lock()
        self._active: tuple[int, Engine] | None = None
        self.ledger.register_resolver("decision", self._decision_record_by_id)
        self.ledger.register_resolver("policy.draft", self._policy_draft_record)
        self.ledger.register_resolver("policy.activate", self._policy_activate_record)
        self.ledger.register_resolver("list.add", self._list_add_record)
        self.ledger.register_resolver("list.remove", self._list_remove_record)
        self.ledger.register_resolver("label", self._label_record)
        register_core_coverage(self.ledger)
        # Domains add resolvers for their own entry kinds through an entry-point group, so
        # `ledger verify` re-checks case dispositions, acceptances, whitelists… too.
        for ep in entry_points(group="borderline.ledger"):
            ep.load()(self.ledger)
        # Storage-backed helpers domains hand to their assessors through ctx.extras.
        self._context_providers = [ep.load() for ep in entry_points(group="borderline.context")]
        self._recorded_hooks = [ep.load() for ep in entry_points(group="borderline.recorded")]
        self._labelled_hooks = [ep.load() for ep in entry_points(group="borderline.labelled")]

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        engine: Engine | None = None,
        run_migrations: bool = True,
    ) -> Services:
        settings = settings or Settings()
        if run_migrations:
            migrate(settings.url)
        services = cls(settings, engine)
        services.ensure_policy()
        return services

    def close(self) -> None:
        self.db.dispose()

    # -- engine and active policy ---------------------------------------------------------

    @property
    def signals(self) -> dict[str, str]:
        return self._base_engine.signals

    def ensure_policy(self) -> None:
        """On first start, install the built-in (or configured) policy as active version 1."""
        with transaction(self.sessions) as s:
            if s.scalar(select(func.count()).select_from(PolicyRow)):
                return
            source = (
                Path(self.settings.policy_file).read_text(encoding="utf-8")
                if self.settings.policy_file
                else default_policy_source()
            )
            compile_policy(source, self.signals)
            now = datetime.now(UTC)
            row = PolicyRow(
                name=POLICY_NAME,
                version=1,
                status="active",
                source=source,
                source_hash=hashlib.sha256(source.encode()).hexdigest(),
                author="system",
                created_at=now,
                comment="initial policy",
                activated_by="system",
                activated_at=now,
            )
            s.add(row)
            s.flush()
            self.ledger.append(
                s,
                kind="policy.draft",
                subject=f"{row.name}@{row.version}",
                record=_policy_draft(row),
            )
            self.ledger.append(
                s,
                kind="policy.activate",
                subject=f"{row.name}@{row.version}",
                record=_policy_activate(row),
            )

    def active_policy(self, session: Session) -> PolicyRow:
        row = session.scalars(
            select(PolicyRow).where(PolicyRow.name == POLICY_NAME, PolicyRow.status == "active")
        ).first()
        if row is None:
            raise NotFound("no active policy")
        return row

    def engine_for(self, session: Session) -> Engine:
        """The engine with the active policy; one cheap id query per call, compile on change."""
        active_id = session.execute(_ACTIVE_SELECT).scalar_one_or_none()
        cached = self._active
        if cached is not None and cached[0] == active_id:
            return cached[1]
        with self._engine_lock:
            row = self.active_policy(session)
            compiled = compile_policy(row.source, self.signals)
            engine = self._base_engine.with_policy(compiled, str(row.version))
            self._active = (row.id, engine)
            return engine

    # -- assessing -------------------------------------------------------------------------

    def _assess_in(
        self, s: Session, order: Order, engine: Engine, history: DbHistory | None = None
    ) -> tuple[Decision, bool]:
        # Dumped once: hashed here for idempotency, stored as is by _store.
        payload = order.model_dump(mode="json")
        phash = payload_sha256(payload)
        existing = s.execute(_HASH_SELECT, {"id": order.id}).scalar_one_or_none()
        if existing is not None:
            # Rows stored before RFC 8785 hashing carry the format-1 hash of the same payload.
            if existing != phash and existing not in payload_hashes(payload):
                raise Conflict(
                    f"order {order.id!r} was already assessed with a different "
                    "payload; use a new order id",
                    where="id",
                )
            body = s.execute(
                select(DecisionRow.body).where(DecisionRow.order_id == order.id)
            ).scalar_one()
            return Decision.model_validate(body), True
        db_history = history or DbHistory(s)
        db_history.forget(order.customer_key)  # the batch may have changed it
        extras: dict[str, Any] = {}
        for provide in self._context_providers:
            extras.update(provide(s))
        ctx = AssessContext(
            history=db_history, lists=self.lists, now=datetime.now(UTC), extras=extras
        )
        t0 = time.perf_counter()
        customer = db_history.customer(order.customer_key, order.created_at)
        decision = engine.assess(order, ctx)
        decision.timings_ms.setdefault("total", round((time.perf_counter() - t0) * 1000, 3))
        self._store(s, order, payload, phash, decision, customer, engine)
        for hook in self._recorded_hooks:
            hook(s, order, decision)
        db_history.forget(order.customer_key)
        return decision, False

    def _store(
        self,
        s: Session,
        order: Order,
        payload: dict[str, Any],
        phash: str,
        decision: Decision,
        history: CustomerHistory,
        engine: Engine,
    ) -> None:
        """Write order, decision, findings, customer aggregates and the ledger entry.

        Core INSERTs rather than ORM objects: this is the hot path of every assessment.
        """
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        s.execute(
            _ORDERS_INSERT,
            dict(
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
            ),
        )
        # The facts the policy saw that are not in the order itself, for replay and backtests.
        decision_context = {
            "customer": {
                "orders": history.orders,
                "amount_sum": history.amount_sum,
                "amount_sumsq": history.amount_sumsq,
                "first_seen": history.first_seen.isoformat() if history.first_seen else None,
            }
        }
        body = decision.model_dump(mode="json", exclude={"receipt"})
        body["context"] = decision_context
        record = _decision_record(body, phash)
        receipt = self.ledger.append(
            s, kind="decision", subject=decision.decision_id, record=record
        )
        decision.receipt = receipt
        s.execute(
            _DECISIONS_INSERT,
            dict(
                id=decision.decision_id,
                order_id=order.id,
                outcome=str(decision.outcome),
                score=decision.score,
                policy_name=engine.policy.name,
                policy_version=int(engine.policy_version) if engine.policy_version.isdigit() else 0,
                created_at=decision.created_at,
                record_hash=receipt.record_hash,
                log_index=receipt.log_index,
                body={**body, "receipt": receipt.model_dump()},
            ),
        )
        rows = [
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
        if rows:
            s.execute(_FINDINGS_INSERT, rows)
        amount = float(order.total)
        dest = order.ship_to.country if order.ship_to else order.shipment.destination_country
        known = set(history.countries)
        countries = ",".join(sorted(known | {dest}))
        if len(countries) >= 990:  # a reshipper's hundreds of countries: keep the first ones
            countries = ",".join(sorted(known))
        # One upsert whatever the history said: a parallel first order of the same customer
        # may have inserted the row since we read it.
        s.execute(
            _stats_upsert(s.get_bind().dialect.name),
            {
                "customer_key": order.customer_key,
                "orders": 1,
                "amount_sum": amount,
                "amount_sumsq": amount * amount,
                "first_seen": order.created_at,
                "last_seen": max(history.last_seen or order.created_at, order.created_at),
                "countries": countries,
            },
        )
        decision.timings_ms["store"] = round((time.perf_counter() - t0) * 1000, 3)

    def assess(self, payload: Mapping[str, Any] | Order) -> tuple[Decision, bool]:
        """Assess and record one order. Returns (decision, replayed)."""
        order = payload if isinstance(payload, Order) else parse_order(dict(payload))
        for attempt in (1, 2):
            try:
                with transaction(self.sessions) as s:
                    return self._assess_in(s, order, self.engine_for(s))
            except (IntegrityError, OperationalError):
                # Another writer stored the same order id (or, on SQLite, committed while we
                # read): nothing of ours was kept; once more sees their row and replays or 409s.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

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
        if len(payloads) > self.settings.max_batch:
            raise InvalidInput(
                f"{len(payloads)} orders exceed the batch limit of {self.settings.max_batch}",
                where="orders",
            )
        items: list[BatchItem] = []
        with transaction(self.sessions) as s:
            # Each order runs in a savepoint (a bad one is reported in its slot); anything
            # else that goes wrong rolls back the whole batch: never half of it.
            begin_write(s)
            engine = self.engine_for(s)
            history = DbHistory(s)
            seen: set[str] = set()
            for i, payload in enumerate(payloads):
                oid = payload.get("id") if isinstance(payload, dict) else None
                item = BatchItem(index=i, order_id=oid if isinstance(oid, str) else None)
                try:
                    order = parse_order(payload, f"orders[{i}]")
                    if order.id in seen:
                        raise Conflict(
                            f"order id {order.id!r} appears twice in the batch",
                            where=f"orders[{i}].id",
                        )
                    seen.add(order.id)
                    nested = s.begin_nested()  # a failure rolls back only this order
                    try:
                        item.decision, item.replayed = self._assess_in(s, order, engine, history)
                        nested.commit()
                    except BaseException:
                        nested.rollback()
                        raise
                except (InvalidInput, Conflict) as exc:
                    item.error = {**exc.to_dict(), "status": exc.status}
                items.append(item)
        return items

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
                    "created_at": _aware(r[4]).isoformat(),
                }
                for r in rows
            ]

    # -- block/allow lists -------------------------------------------------------------------

    def add_list_entry(
        self,
        *,
        list_name: str,
        kind: str,
        value: str,
        action: str,
        reason: str | None,
        actor: str,
        expires_at: datetime | None = None,
    ) -> dict[str, Any]:
        if kind not in LIST_KINDS:
            raise InvalidInput(
                f"unknown kind {kind!r}; kinds: {', '.join(LIST_KINDS)}", where="kind"
            )
        if action not in ("block", "allow"):
            raise InvalidInput("action must be 'block' or 'allow'", where="action")
        if not list_name.strip() or len(list_name) > 100:
            raise InvalidInput("list name must be 1-100 characters", where="list")
        value = normalise_value(kind, value)
        if not value or len(value) > 500:
            raise InvalidInput("value must be 1-500 characters", where="value")
        if kind == "ip":
            try:
                value = (
                    str(ipaddress.ip_network(value, strict=False))
                    if "/" in value
                    else str(ipaddress.ip_address(value))
                )
            except ValueError:
                raise InvalidInput(
                    f"{value!r} is not an IP address or CIDR range", where="value"
                ) from None
        if kind == "country":
            from borderline.refdata import is_country

            if not is_country(value):
                raise InvalidInput(f"unknown country code {value!r}", where="value")
        if expires_at is not None and expires_at.tzinfo is None:
            raise InvalidInput("expires_at needs a time zone", where="expires_at")
        with transaction(self.sessions) as s:
            dup = s.scalars(
                select(ListEntryRow).where(
                    ListEntryRow.list_name == list_name,
                    ListEntryRow.kind == kind,
                    ListEntryRow.value == value,
                    ListEntryRow.removed_at.is_(None),
                )
            ).first()
            if dup is not None:
                raise Conflict(f"{kind} {value!r} is already on list {list_name!r}", where="value")
            row = ListEntryRow(
                list_name=list_name,
                kind=kind,
                value=value,
                action=action,
                reason=reason,
                created_by=actor,
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
            s.add(row)
            s.flush()
            self.ledger.append(s, kind="list.add", subject=str(row.id), record=_list_add(row))
            out = _entry_dict(row)
        self.lists.invalidate()
        return out

    def remove_list_entry(self, entry_id: int, actor: str) -> None:
        with transaction(self.sessions) as s:
            row = s.get(ListEntryRow, entry_id)
            if row is None or row.removed_at is not None:
                raise NotFound(f"no list entry {entry_id}")
            row.removed_at, row.removed_by = datetime.now(UTC), actor
            s.flush()
            self.ledger.append(s, kind="list.remove", subject=str(row.id), record=_list_remove(row))
        self.lists.invalidate()

    def list_entries(self, list_name: str | None = None) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = select(ListEntryRow).where(ListEntryRow.removed_at.is_(None))
            if list_name:
                q = q.where(ListEntryRow.list_name == list_name)
            return [_entry_dict(r) for r in s.scalars(q.order_by(ListEntryRow.id))]

    # -- policies ------------------------------------------------------------------------------

    def check_policy(self, source: str) -> CompiledPolicy:
        return compile_policy(source, self.signals)

    def create_policy(self, source: str, author: str, comment: str | None = None) -> dict[str, Any]:
        self.check_policy(source)
        with transaction(self.sessions) as s:
            last = (
                s.scalar(select(func.max(PolicyRow.version)).where(PolicyRow.name == POLICY_NAME))
                or 0
            )
            row = PolicyRow(
                name=POLICY_NAME,
                version=last + 1,
                status="draft",
                source=source,
                source_hash=hashlib.sha256(source.encode()).hexdigest(),
                author=author,
                created_at=datetime.now(UTC),
                comment=comment,
            )
            s.add(row)
            s.flush()
            self.ledger.append(
                s,
                kind="policy.draft",
                subject=f"{row.name}@{row.version}",
                record=_policy_draft(row),
            )
            return _policy_dict(row)

    def get_policy(self, version: int | None = None) -> dict[str, Any]:
        with self.sessions() as s:
            row = (
                self.active_policy(s)
                if version is None
                else s.scalars(
                    select(PolicyRow).where(
                        PolicyRow.name == POLICY_NAME, PolicyRow.version == version
                    )
                ).first()
            )
            if row is None:
                raise NotFound(f"no policy version {version}")
            return _policy_dict(row, source=True)

    def list_policies(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            return [
                _policy_dict(r)
                for r in s.scalars(select(PolicyRow).order_by(PolicyRow.version.desc()))
            ]

    def backtest(
        self,
        version: int,
        *,
        limit: int = 100_000,
        sample_changes: int = 200,
        actor: str = "system",
    ) -> BacktestReport:
        """Re-decide stored orders under a policy version from their stored findings.

        The assessors are not re-run: the comparison isolates the effect of the policy, on
        exactly the evidence each order had when it was decided.
        """
        with transaction(self.sessions) as s:
            prow = s.scalars(
                select(PolicyRow).where(PolicyRow.name == POLICY_NAME, PolicyRow.version == version)
            ).first()
            if prow is None:
                raise NotFound(f"no policy version {version}")
            compiled = compile_policy(prow.source, self.signals)
            before: Counter[str] = Counter()
            after: Counter[str] = Counter()
            transitions: Counter[str] = Counter()
            fired: Counter[str] = Counter()
            changes: list[dict[str, Any]] = []
            n = 0
            q = (
                select(DecisionRow.body, OrderRow.payload)
                .join(OrderRow, OrderRow.id == DecisionRow.order_id)
                .order_by(DecisionRow.created_at.desc())
                .limit(limit)
            )
            for body, payload in s.execute(q).yield_per(2000):
                n += 1
                result = replay_policy(compiled, body, payload, self.lists)
                old, new = body["outcome"], str(result.outcome)
                before[old] += 1
                after[new] += 1
                for h in result.hits:
                    fired[h.rule] += 1
                if old != new:
                    transitions[f"{old}->{new}"] += 1
                    if len(changes) < sample_changes:
                        decisive = [
                            h.rule
                            for h in result.hits
                            if h.effect == new or h.effect.startswith(new)
                        ]
                        changes.append(
                            {
                                "order_id": body["order_id"],
                                "before": old,
                                "after": new,
                                "score_before": body["score"],
                                "score_after": result.score,
                                "rules": [h.rule for h in result.hits],
                                "decided_by": decisive,
                            }
                        )
            report = BacktestReport(
                policy=prow.name,
                version=version,
                orders=n,
                changed=sum(transitions.values()),
                transitions=dict(transitions),
                before=dict(before),
                after=dict(after),
                rules_fired=dict(fired.most_common()),
                changes=changes,
            )
            summary = {k: v for k, v in report.to_dict().items() if k != "changes"}
            prow.backtest = {**summary, "at": datetime.now(UTC).isoformat(), "by": actor}
            if prow.status == "draft":
                prow.status = "tested"
            self.ledger.append(
                s, kind="policy.backtest", subject=f"{prow.name}@{version}", record=summary
            )
            return report

    def activate_policy(
        self, version: int, actor: str, *, acting_for: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Put a tested version live. ``actor`` is the approving person; ``acting_for`` every
        other person the approval can be traced to (the minter of the key used). None of them
        may be the author: case and surrounding space do not make a second person."""
        with transaction(self.sessions) as s:
            row = s.scalars(
                select(PolicyRow)
                .where(PolicyRow.name == POLICY_NAME, PolicyRow.version == version)
                .with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no policy version {version}")
            if row.status == "active":
                raise Conflict(f"version {version} is already active")
            if row.status != "tested":
                raise Conflict(
                    f"version {version} is {row.status}: backtest it before activating",
                    where="status",
                )
            if any(same_person(row.author, p) for p in (actor, *acting_for)):
                raise Conflict(
                    f"{actor} wrote version {version}; another person must activate it (four eyes)",
                    where="actor",
                )
            for other in s.scalars(
                select(PolicyRow).where(PolicyRow.name == POLICY_NAME, PolicyRow.status == "active")
            ):
                other.status = "retired"
            row.status, row.activated_by, row.activated_at = "active", actor, datetime.now(UTC)
            s.flush()
            self.ledger.append(
                s,
                kind="policy.activate",
                subject=f"{row.name}@{row.version}",
                record=_policy_activate(row),
            )
            return _policy_dict(row)

    # -- labels --------------------------------------------------------------------------------

    LABEL_KINDS = ("chargeback", "refund_fraud", "analyst", "friendly_fraud", "legitimate")

    def add_labels(
        self, labels: Iterable[Mapping[str, Any]], actor: str, session: Session | None = None
    ) -> list[dict[str, Any]]:
        """Record labels; with ``session`` they join the caller's transaction (a case
        disposition and its labels land together or not at all)."""
        if session is not None:
            return self._add_labels_in(session, labels, actor)
        with transaction(self.sessions) as s:
            return self._add_labels_in(s, labels, actor)

    def _add_labels_in(
        self, s: Session, labels: Iterable[Mapping[str, Any]], actor: str
    ) -> list[dict[str, Any]]:
        out = []
        for i, lab in enumerate(labels):
            where = f"labels[{i}]"
            oid = lab.get("order_id")
            kind = lab.get("kind")
            if not isinstance(oid, str) or s.get(OrderRow, oid) is None:
                raise NotFound(f"no stored order {oid!r}", where=f"{where}.order_id")
            if kind not in self.LABEL_KINDS:
                raise InvalidInput(
                    f"kind must be one of {', '.join(self.LABEL_KINDS)}", where=f"{where}.kind"
                )
            is_fraud = lab.get("is_fraud", kind not in ("legitimate",))
            if not isinstance(is_fraud, bool):
                raise InvalidInput("is_fraud must be true or false", where=f"{where}.is_fraud")
            event_at = lab.get("event_at") or datetime.now(UTC).isoformat()
            try:
                event_dt = datetime.fromisoformat(str(event_at))
            except ValueError:
                raise InvalidInput(
                    "event_at must be an ISO 8601 time", where=f"{where}.event_at"
                ) from None
            if event_dt.tzinfo is None:
                raise InvalidInput("event_at needs a time zone", where=f"{where}.event_at")
            row = LabelRow(
                label_id=f"lab_{uuid.uuid4().hex[:20]}",
                order_id=oid,
                kind=kind,
                is_fraud=is_fraud,
                reason=lab.get("reason"),
                source=actor,
                event_at=event_dt,
                created_at=datetime.now(UTC),
            )
            s.add(row)
            s.flush()
            self.ledger.append(s, kind="label", subject=row.label_id, record=_label(row))
            for hook in self._labelled_hooks:  # e.g. the fraud feature store, same transaction
                hook(s, _label(row))
            out.append(_label(row))
        return out

    # -- ledger record resolvers ---------------------------------------------------------------

    def _decision_record_by_id(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = s.get(DecisionRow, subject)
        if row is None:
            return None
        order = s.get(OrderRow, row.order_id)
        body = {k: v for k, v in row.body.items() if k != "receipt"}
        # Recompute the payload hash from the stored order: an edited order is detected too.
        phash = payload_sha256(order.payload) if order is not None else "missing"
        return _decision_record(body, phash)

    def _policy_draft_record(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = _policy_by_subject(s, subject)
        return None if row is None else _policy_draft(row)

    def _policy_activate_record(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = _policy_by_subject(s, subject)
        return None if row is None or row.activated_at is None else _policy_activate(row)

    def _list_add_record(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = s.get(ListEntryRow, int(subject))
        return None if row is None else _list_add(row)

    def _list_remove_record(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = s.get(ListEntryRow, int(subject))
        return None if row is None or row.removed_at is None else _list_remove(row)

    def _label_record(self, s: Session, subject: str) -> Mapping[str, Any] | None:
        row = s.scalars(select(LabelRow).where(LabelRow.label_id == subject)).first()
        return None if row is None else _label(row)


def replay_policy(
    compiled: CompiledPolicy, body: Mapping[str, Any], payload: Mapping[str, Any], lists: Any = None
) -> Any:
    """Evaluate a policy on a stored decision's evidence (findings, signals, context)."""
    from borderline.policy import combine_scores, order_fields

    order = Order.model_validate(payload)
    findings = [Finding.model_validate(f) for f in body["findings"]]
    ctx = body.get("context", {}).get("customer", {})
    first = ctx.get("first_seen")
    history = CustomerHistory(
        orders=ctx.get("orders", 0),
        amount_sum=ctx.get("amount_sum", 0.0),
        amount_sumsq=ctx.get("amount_sumsq", 0.0),
        first_seen=datetime.fromisoformat(first) if first else None,
    )
    signals: dict[str, Any] = {}
    for f in findings:
        signals.update(f.signals)

    def listed(name: str, value: str) -> bool:
        return lists is not None and any(h.list_name == name for h in lists.lookup("any", value))

    facts = Facts(
        fields=order_fields(order, history),
        signals=signals,
        findings=findings,
        score=combine_scores(findings),
        listed=listed,
    )
    return apply_policy(compiled, facts, degraded=bool(body.get("degraded")))


def _decision_record(body: Mapping[str, Any], phash: str) -> dict[str, Any]:
    return {
        "decision": {k: v for k, v in body.items() if k != "receipt"},
        "order_payload_sha256": phash,
    }


def _policy_by_subject(s: Session, subject: str) -> PolicyRow | None:
    name, _, version = subject.rpartition("@")
    return s.scalars(
        select(PolicyRow).where(PolicyRow.name == name, PolicyRow.version == int(version))
    ).first()


def _iso(dt: datetime | None) -> str | None:
    return _aware(dt).isoformat() if dt is not None else None


def _policy_draft(r: PolicyRow) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "source_sha256": r.source_hash,
        "author": r.author,
        "created_at": _iso(r.created_at),
    }


def _policy_activate(r: PolicyRow) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "activated_by": r.activated_by,
        "activated_at": _iso(r.activated_at),
    }


def _list_add(r: ListEntryRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "list": r.list_name,
        "kind": r.kind,
        "value": r.value,
        "action": r.action,
        "reason": r.reason,
        "by": r.created_by,
        "at": _iso(r.created_at),
        "expires_at": _iso(r.expires_at),
    }


def _list_remove(r: ListEntryRow) -> dict[str, Any]:
    return {"id": r.id, "by": r.removed_by, "at": _iso(r.removed_at)}


def _label(r: LabelRow) -> dict[str, Any]:
    return {
        "label_id": r.label_id,
        "order_id": r.order_id,
        "kind": r.kind,
        "is_fraud": r.is_fraud,
        "reason": r.reason,
        "source": r.source,
        "event_at": _iso(r.event_at),
        "created_at": _iso(r.created_at),
    }


def _entry_dict(r: ListEntryRow) -> dict[str, Any]:
    return {**_list_add(r), "removed_at": _iso(r.removed_at)}


def _policy_dict(r: PolicyRow, source: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": r.name,
        "version": r.version,
        "status": r.status,
        "author": r.author,
        "created_at": _iso(r.created_at),
        "comment": r.comment,
        "activated_by": r.activated_by,
        "activated_at": _iso(r.activated_at),
        "backtest": r.backtest,
    }
    if source:
        d["source"] = r.source
    return d
