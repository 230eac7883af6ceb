"""Stored policy versions: draft, backtest, four-eyes activation, and the engine they make.

A backtest re-decides stored orders from their stored findings with
:func:`borderline.decisions.replay.replay_policy`: the assessors are not re-run, so the
comparison isolates the effect of the policy on exactly the evidence each order had.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from borderline.decisions.replay import replay_policy
from borderline.engine import Engine, ListProvider
from borderline.errors import Conflict, NotFound
from borderline.model.identity import same_person
from borderline.policy import CompiledPolicy, compile_policy, default_policy_source
from borderline.refdata.recheck import Recheck, changed
from borderline.store import begin_write, transaction
from borderline.store.models import DecisionRow, OrderRow, PolicyRow
from borderline.store.ports import LedgerAppender, SessionFactory
from borderline.store.times import iso

POLICY_NAME = "default"

# Table columns, not ORM attributes: asked on every decision, and a Core select skips the
# ORM's compile step and result processing.
_POLICY = PolicyRow.__table__.c
_ACTIVE_SELECT = select(_POLICY.id).where(_POLICY.name == POLICY_NAME, _POLICY.status == "active")


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


class PolicyVersions:
    """The policy lifecycle, and the engine compiled with the active version."""

    def __init__(
        self,
        sessions: SessionFactory,
        ledger: LedgerAppender,
        base_engine: Engine,
        lists: ListProvider,
        policy_file: str | Path | None = None,
    ) -> None:
        self.sessions, self.ledger, self.lists = sessions, ledger, lists
        self._base_engine = base_engine
        self._policy_file = policy_file
        self._engine_lock = threading.Lock()
        self._active: tuple[int, Engine] | None = None
        # Which version is active is asked at most once a second (at once after an
        # activation in this process: ``refdata.recheck``): the query was a tenth of a
        # request's own work.
        self._recheck = Recheck()

    @property
    def signals(self) -> dict[str, str]:
        return self._base_engine.signals

    def ensure_policy(self) -> None:
        """On first start, install the built-in (or configured) policy as active version 1.

        Processes starting together on a new database (server workers, ``assess --workers``)
        may all find none: on SQLite the write lock taken first makes them go one at a time;
        on PostgreSQL the version's unique key lets one in, and the others find its row."""
        try:
            self._install_first_policy()
        except IntegrityError:
            with self.sessions() as s:
                if not s.scalar(
                    select(func.count()).select_from(PolicyRow).where(PolicyRow.name == POLICY_NAME)
                ):
                    raise

    def _install_first_policy(self) -> None:
        with transaction(self.sessions) as s:
            begin_write(s)
            if s.scalar(
                select(func.count()).select_from(PolicyRow).where(PolicyRow.name == POLICY_NAME)
            ):
                return
            source = (
                Path(self._policy_file).read_text(encoding="utf-8")
                if self._policy_file
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
            subject = f"{row.name}@{row.version}"
            self.ledger.append(s, kind="policy.draft", subject=subject, record=_policy_draft(row))
            self.ledger.append(
                s, kind="policy.activate", subject=subject, record=_policy_activate(row)
            )

    def active_policy(self, session: Session) -> PolicyRow:
        row = session.scalars(
            select(PolicyRow).where(PolicyRow.name == POLICY_NAME, PolicyRow.status == "active")
        ).first()
        if row is None:
            raise NotFound("no active policy")
        return row

    def engine_for(self, session: Session) -> Engine:
        """The engine with the active policy, compiled on change. A version activated in this
        process is used from the next order on; one activated by another process (the CLI,
        another worker) within a second."""
        cached = self._active
        if cached is not None and not self._recheck.due():
            return cached[1]
        active_id = session.execute(_ACTIVE_SELECT).scalar_one_or_none()
        if cached is not None and cached[0] == active_id:
            return cached[1]
        with self._engine_lock:
            row = self.active_policy(session)
            compiled = compile_policy(row.source, self.signals)
            engine = self._base_engine.with_policy(compiled, str(row.version))
            self._active = (row.id, engine)
            return engine

    def check(self, source: str) -> CompiledPolicy:
        """Strict: unknown names and finding codes no installed assessor emits are errors."""
        return self._base_engine.check_policy(source)

    def replace_engine(self, engine: Engine) -> None:
        """Rebuilt assessors (a new engine configuration): the next order uses them."""
        with self._engine_lock:
            self._base_engine, self._active = engine, None

    def create(self, source: str, author: str, comment: str | None = None) -> dict[str, Any]:
        self.check(source)
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

    def get(self, version: int | None = None) -> dict[str, Any]:
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

    def list(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            return [
                _policy_dict(r)
                for r in s.scalars(
                    select(PolicyRow)
                    .where(PolicyRow.name == POLICY_NAME)
                    .order_by(PolicyRow.version.desc())
                )
            ]

    def backtest(
        self,
        version: int,
        *,
        limit: int = 100_000,
        sample_changes: int = 200,
        actor: str = "system",
    ) -> BacktestReport:
        """Re-decide stored orders under a policy version from their stored findings."""
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

    def activate(
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
            activated = _policy_dict(row)
        changed()  # committed: the next order of every engine in this process uses it
        return activated


# -- ledger records ------------------------------------------------------------------------------


def policy_draft_record(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = _policy_by_subject(s, subject)
    return None if row is None else _policy_draft(row)


def policy_activate_record(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = _policy_by_subject(s, subject)
    return None if row is None or row.activated_at is None else _policy_activate(row)


def _policy_by_subject(s: Session, subject: str) -> PolicyRow | None:
    name, _, version = subject.rpartition("@")
    return s.scalars(
        select(PolicyRow).where(PolicyRow.name == name, PolicyRow.version == int(version))
    ).first()


def _policy_draft(r: PolicyRow) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "source_sha256": r.source_hash,
        "author": r.author,
        "created_at": iso(r.created_at),
    }


def _policy_activate(r: PolicyRow) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "activated_by": r.activated_by,
        "activated_at": iso(r.activated_at),
    }


def _policy_dict(r: PolicyRow, source: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": r.name,
        "version": r.version,
        "status": r.status,
        "author": r.author,
        "created_at": iso(r.created_at),
        "comment": r.comment,
        "activated_by": r.activated_by,
        "activated_at": iso(r.activated_at),
        "backtest": r.backtest,
    }
    if source:
        d["source"] = r.source
    return d
