"""The risk register, KRIs, maturity and quantification runs on the database, with the ledger.

Every stored change happens in one transaction together with its ledger entry, so a failure
leaves nothing half-saved. An acceptance is written once and never updated; the record hashed
into the ledger is the stored snapshot, and :func:`register_ledger_resolvers` lets
``ledger verify`` recompute it, so editing an accepted snapshot afterwards is detected.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from borderline.assessment import kri as kri_metrics
from borderline.assessment.register import (
    AcceptanceIn,
    ControlIn,
    MatrixBook,
    Rating,
    RiskImport,
    RiskIn,
    RiskMatrix,
    TreatmentIn,
    check_acceptance,
    check_residual_override,
    default_matrices,
    diff_registers,
    effectiveness_value,
    not_found,
    suggest_residual,
)
from borderline.assessment.store import (
    AcceptanceRow,
    AssessmentRow,
    ControlRow,
    KriReadingRow,
    KriRow,
    MaturityRunRow,
    QuantRunRow,
    RiskRow,
    TreatmentRow,
)
from borderline.errors import BorderlineError, Conflict, InvalidInput
from borderline.model import Receipt
from borderline.store import transaction

ACCEPT_KIND = "assessment.accept"


class LedgerLike(Protocol):
    def append(
        self, session: Session, *, kind: str, subject: str, record: Mapping[str, Any]
    ) -> Receipt: ...

    def register_resolver(self, kind: str, resolver: Any) -> None: ...


def _iso(d: date | datetime | None) -> str | None:
    return None if d is None else d.isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


def _rating(matrix: RiskMatrix, lik: int | None, imp: int | None) -> dict[str, Any] | None:
    if lik is None or imp is None:
        return None
    return {
        "likelihood": lik,
        "impact": imp,
        "score": lik * imp,
        "level": matrix.level(lik, imp),
        "likelihood_label": matrix.likelihood[lik - 1],
        "impact_label": matrix.impact[imp - 1],
    }


def _acceptance_record(row: AcceptanceRow) -> dict[str, Any]:
    return dict(row.snapshot)


def register_ledger_resolvers(ledger: LedgerLike) -> None:
    """Let ``ledger verify`` recompute acceptance records from what is stored now."""

    def resolve(session: Session, subject: str) -> Mapping[str, Any] | None:
        row = session.get(AcceptanceRow, subject)
        return None if row is None else _acceptance_record(row)

    ledger.register_resolver(ACCEPT_KIND, resolve)


class RegisterService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: LedgerLike,
        matrices: MatrixBook | None = None,
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.matrices = matrices or default_matrices()
        register_ledger_resolvers(ledger)

    # -- helpers ------------------------------------------------------------------------------

    def _assessment(self, s: Session, assessment_id: int) -> AssessmentRow:
        row = s.get(AssessmentRow, assessment_id)
        if row is None:
            raise not_found("assessment", assessment_id)
        return row

    def _risk(self, s: Session, risk_id: int) -> RiskRow:
        row = s.get(RiskRow, risk_id)
        if row is None:
            raise not_found("risk", risk_id)
        return row

    def _controls(self, s: Session, risk_id: int) -> list[ControlRow]:
        return list(
            s.scalars(
                select(ControlRow).where(ControlRow.risk_id == risk_id).order_by(ControlRow.id)
            )
        )

    def _treatments(self, s: Session, risk_id: int) -> list[TreatmentRow]:
        return list(
            s.scalars(
                select(TreatmentRow)
                .where(TreatmentRow.risk_id == risk_id)
                .order_by(TreatmentRow.id)
            )
        )

    def _risk_dict(self, s: Session, r: RiskRow, today: date | None = None) -> dict[str, Any]:
        a = self._assessment(s, r.assessment_id)
        m = self.matrices.get(a.matrix_id)
        controls = self._controls(s, r.id)
        treatments = self._treatments(s, r.id)
        today = today or _now().date()
        base = (r.current_l or r.inherent_l, r.current_i or r.inherent_i)
        sug = suggest_residual(base, [(c.kind, c.effectiveness) for c in controls])
        residual = (
            (r.residual_l, r.residual_i)
            if r.residual_l is not None and r.residual_i is not None
            else (sug.likelihood, sug.impact)
        )
        acc = s.scalars(
            select(AcceptanceRow)
            .where(AcceptanceRow.risk_id == r.id)
            .order_by(AcceptanceRow.created_at.desc())
        ).first()
        return {
            "id": r.id,
            "assessment_id": r.assessment_id,
            "key": r.key,
            "title": r.title,
            "category": r.category,
            "owner": r.owner,
            "description": r.description,
            "causes": list(r.causes),
            "consequences": list(r.consequences),
            "matrix": m.id,
            "inherent": _rating(m, r.inherent_l, r.inherent_i),
            "current": _rating(m, r.current_l, r.current_i),
            "residual": _rating(m, r.residual_l, r.residual_i),
            "residual_override_reason": r.residual_override_reason,
            "suggested_residual": {
                **(_rating(m, sug.likelihood, sug.impact) or {}),
                "explanation": sug.explanation,
            },
            "target": _rating(m, r.target_l, r.target_i),
            "above_appetite": m.above_appetite(*residual),
            "controls": [
                {
                    "id": c.id,
                    "name": c.name,
                    "kind": c.kind,
                    "effectiveness": c.effectiveness,
                    "owner": c.owner,
                }
                for c in controls
            ],
            "treatments": [
                {
                    "id": t.id,
                    "action": t.action,
                    "owner": t.owner,
                    "due": _iso(t.due),
                    "status": t.status,
                    "overdue": t.status in ("open", "in_progress") and t.due < today,
                }
                for t in treatments
            ],
            "status": r.status,
            "acceptance": None
            if acc is None
            else {
                "id": acc.id,
                "approver": acc.approver,
                "requester": acc.requester,
                "expires": _iso(acc.expires),
                "expired": acc.expires <= today,
                "log_index": acc.log_index,
            },
            "kris": self._kris_of(s, r.key),
        }

    def _kris_of(self, s: Session, risk_key: str) -> list[dict[str, Any]]:
        """KRIs that watch this risk, with their last status."""
        out = []
        for k in s.scalars(select(KriRow).where(KriRow.risk_key == risk_key).order_by(KriRow.name)):
            last = s.scalars(
                select(KriReadingRow)
                .where(KriReadingRow.kri_id == k.id)
                .order_by(KriReadingRow.id.desc())
            ).first()
            out.append(
                {
                    "name": k.name,
                    "metric": k.metric,
                    "status": last.status if last else None,
                    "value": last.value if last else None,
                }
            )
        return out

    def _check_ratings(self, m: RiskMatrix, ratings: Mapping[str, Rating | None]) -> None:
        for name, rating in ratings.items():
            if rating is not None:
                m.check(rating.likelihood, rating.impact, where=name)

    # -- assessments --------------------------------------------------------------------------

    def create_assessment(
        self, name: str, period: str, matrix_id: str, actor: str
    ) -> dict[str, Any]:
        self.matrices.get(matrix_id)
        if not name.strip() or not period.strip():
            raise InvalidInput("name and period are required", where="period")
        with transaction(self.sessions) as s:
            row = AssessmentRow(
                name=name,
                period=period,
                matrix_id=matrix_id,
                status="open",
                created_by=actor,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            self.ledger.append(
                s,
                kind="assessment.create",
                subject=str(row.id),
                record={
                    "id": row.id,
                    "name": name,
                    "period": period,
                    "matrix": matrix_id,
                    "by": actor,
                },
            )
            return self._assessment_dict(s, row)

    def _assessment_dict(self, s: Session, a: AssessmentRow) -> dict[str, Any]:
        n = s.scalar(select(func.count()).select_from(RiskRow).where(RiskRow.assessment_id == a.id))
        return {
            "id": a.id,
            "name": a.name,
            "period": a.period,
            "matrix": a.matrix_id,
            "status": a.status,
            "copied_from": a.copied_from,
            "created_by": a.created_by,
            "created_at": _iso(a.created_at),
            "risks": int(n or 0),
        }

    def list_assessments(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(select(AssessmentRow).order_by(AssessmentRow.id))
            return [self._assessment_dict(s, a) for a in rows]

    def get_assessment(self, assessment_id: int, today: date | None = None) -> dict[str, Any]:
        with self.sessions() as s:
            a = self._assessment(s, assessment_id)
            risks = s.scalars(
                select(RiskRow).where(RiskRow.assessment_id == a.id).order_by(RiskRow.key)
            )
            return {
                **self._assessment_dict(s, a),
                "matrix_definition": self.matrices.get(a.matrix_id).describe(),
                "register": [self._risk_dict(s, r, today) for r in risks],
            }

    # -- risks --------------------------------------------------------------------------------

    def add_risk(self, assessment_id: int, risk: RiskIn, actor: str) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            return self._risk_dict(s, self._add_risk_in(s, assessment_id, risk, actor))

    def import_risks(
        self, assessment_id: int, items: Sequence[RiskImport], actor: str
    ) -> list[dict[str, Any]]:
        """Add several risks with their controls and treatments in one transaction."""
        with transaction(self.sessions) as s:
            rows = []
            for i, item in enumerate(items):
                try:
                    risk = RiskIn.model_validate(
                        item.model_dump(exclude={"controls", "treatments"})
                    )
                    row = self._add_risk_in(s, assessment_id, risk, actor, item.controls)
                    for c in item.controls:
                        self._add_control_in(s, row, c, actor)
                    for t in item.treatments:
                        self._add_treatment_in(s, row, t, actor)
                except BorderlineError as exc:
                    exc.where = f"risks[{i}].{exc.where}" if exc.where else f"risks[{i}]"
                    raise
                rows.append(row)
            return [self._risk_dict(s, r) for r in rows]

    def _add_risk_in(
        self,
        s: Session,
        assessment_id: int,
        risk: RiskIn,
        actor: str,
        controls: Sequence[ControlIn] = (),
    ) -> RiskRow:
        a = self._assessment(s, assessment_id)
        m = self.matrices.get(a.matrix_id)
        self._check_ratings(
            m,
            {
                "inherent": risk.inherent,
                "current": risk.current,
                "residual": risk.residual,
                "target": risk.target,
            },
        )
        base = risk.current or risk.inherent
        sug = suggest_residual(
            (base.likelihood, base.impact), [(c.kind, c.effectiveness) for c in controls]
        )
        check_residual_override(
            (risk.residual.likelihood, risk.residual.impact) if risk.residual else None,
            sug,
            risk.residual_override_reason,
        )
        dup = s.scalar(
            select(RiskRow.id).where(RiskRow.assessment_id == a.id, RiskRow.key == risk.key)
        )
        if dup is not None:
            raise Conflict(f"risk {risk.key!r} already exists in assessment {a.id}", where="key")
        now = _now()
        row = RiskRow(
            assessment_id=a.id,
            key=risk.key,
            title=risk.title,
            category=risk.category,
            owner=risk.owner,
            description=risk.description,
            causes=risk.causes,
            consequences=risk.consequences,
            inherent_l=risk.inherent.likelihood,
            inherent_i=risk.inherent.impact,
            current_l=risk.current.likelihood if risk.current else None,
            current_i=risk.current.impact if risk.current else None,
            residual_l=risk.residual.likelihood if risk.residual else None,
            residual_i=risk.residual.impact if risk.residual else None,
            residual_override_reason=risk.residual_override_reason,
            target_l=risk.target.likelihood if risk.target else None,
            target_i=risk.target.impact if risk.target else None,
            status="open",
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        s.flush()
        self.ledger.append(
            s,
            kind="assessment.risk",
            subject=str(row.id),
            record={"action": "create", "by": actor, "risk": risk.model_dump(mode="json")},
        )
        return row

    def get_risk(self, risk_id: int, today: date | None = None) -> dict[str, Any]:
        with self.sessions() as s:
            return self._risk_dict(s, self._risk(s, risk_id), today)

    def rate_risk(
        self,
        risk_id: int,
        actor: str,
        *,
        current: Rating | None = None,
        residual: Rating | None = None,
        residual_override_reason: str | None = None,
        target: Rating | None = None,
    ) -> dict[str, Any]:
        """Update ratings. A residual that differs from the controls' suggestion needs a reason."""
        with transaction(self.sessions) as s:
            r = self._risk(s, risk_id)
            m = self.matrices.get(self._assessment(s, r.assessment_id).matrix_id)
            self._check_ratings(m, {"current": current, "residual": residual, "target": target})
            if current is not None:
                r.current_l, r.current_i = current.likelihood, current.impact
            if target is not None:
                r.target_l, r.target_i = target.likelihood, target.impact
            if residual is not None:
                base = (r.current_l or r.inherent_l, r.current_i or r.inherent_i)
                sug = suggest_residual(
                    base, [(c.kind, c.effectiveness) for c in self._controls(s, r.id)]
                )
                check_residual_override(
                    (residual.likelihood, residual.impact), sug, residual_override_reason
                )
                r.residual_l, r.residual_i = residual.likelihood, residual.impact
                r.residual_override_reason = (
                    residual_override_reason
                    if (residual.likelihood, residual.impact) != (sug.likelihood, sug.impact)
                    else None
                )
            r.updated_at = _now()
            out = self._risk_dict(s, r)
            self.ledger.append(
                s,
                kind="assessment.risk",
                subject=str(r.id),
                record={"action": "rate", "by": actor, "risk": out},
            )
            return out

    def add_control(self, risk_id: int, control: ControlIn, actor: str) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            r = self._risk(s, risk_id)
            self._add_control_in(s, r, control, actor)
            return self._risk_dict(s, r)

    def _add_control_in(self, s: Session, r: RiskRow, control: ControlIn, actor: str) -> None:
        row = ControlRow(
            risk_id=r.id,
            name=control.name,
            kind=control.kind,
            effectiveness=effectiveness_value(control.effectiveness),
            owner=control.owner,
        )
        s.add(row)
        s.flush()
        r.updated_at = _now()
        self.ledger.append(
            s,
            kind="assessment.control",
            subject=str(row.id),
            record={"risk": r.id, "by": actor, "control": control.model_dump(mode="json")},
        )

    def add_treatment(self, risk_id: int, treatment: TreatmentIn, actor: str) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            r = self._risk(s, risk_id)
            self._add_treatment_in(s, r, treatment, actor)
            return self._risk_dict(s, r)

    def _add_treatment_in(self, s: Session, r: RiskRow, treatment: TreatmentIn, actor: str) -> None:
        row = TreatmentRow(
            risk_id=r.id,
            action=treatment.action,
            owner=treatment.owner,
            due=treatment.due,
            status=treatment.status,
            created_at=_now(),
        )
        s.add(row)
        s.flush()
        self.ledger.append(
            s,
            kind="assessment.treatment",
            subject=str(row.id),
            record={"risk": r.id, "by": actor, **treatment.model_dump(mode="json")},
        )

    def set_treatment_status(self, treatment_id: int, status: str, actor: str) -> dict[str, Any]:
        if status not in ("open", "in_progress", "done", "cancelled"):
            raise InvalidInput(
                f"unknown status {status!r}; use open, in_progress, done or cancelled",
                where="status",
            )
        with transaction(self.sessions) as s:
            t = s.get(TreatmentRow, treatment_id)
            if t is None:
                raise not_found("treatment", treatment_id)
            t.status = status
            t.completed_at = _now() if status == "done" else None
            self.ledger.append(
                s,
                kind="assessment.treatment",
                subject=str(t.id),
                record={"status": status, "by": actor},
            )
            return self._risk_dict(s, self._risk(s, t.risk_id))

    def acceptances_due(
        self, within_days: int = 30, today: date | None = None
    ) -> list[dict[str, Any]]:
        """Acceptances of open-period risks that expired or expire within ``within_days``."""
        today = today or _now().date()
        horizon = today + timedelta(days=within_days)
        with self.sessions() as s:
            rows = s.execute(
                select(AcceptanceRow, RiskRow)
                .join(RiskRow, RiskRow.id == AcceptanceRow.risk_id)
                .where(AcceptanceRow.expires <= horizon, RiskRow.status == "accepted")
                .order_by(AcceptanceRow.expires)
            ).all()
            return [
                {
                    "id": a.id,
                    "risk_id": r.id,
                    "risk_key": r.key,
                    "risk": r.title,
                    "assessment_id": r.assessment_id,
                    "approver": a.approver,
                    "expires": _iso(a.expires),
                    "expired": a.expires <= today,
                    "days_left": (a.expires - today).days,
                }
                for a, r in rows
            ]

    def overdue_treatments(self, today: date | None = None) -> list[dict[str, Any]]:
        today = today or _now().date()
        with self.sessions() as s:
            rows = s.execute(
                select(TreatmentRow, RiskRow)
                .join(RiskRow, RiskRow.id == TreatmentRow.risk_id)
                .where(TreatmentRow.status.in_(("open", "in_progress")), TreatmentRow.due < today)
                .order_by(TreatmentRow.due)
            ).all()
            return [
                {
                    "id": t.id,
                    "risk_id": r.id,
                    "risk_key": r.key,
                    "risk": r.title,
                    "assessment_id": r.assessment_id,
                    "action": t.action,
                    "owner": t.owner,
                    "due": _iso(t.due),
                    "days_overdue": (today - t.due).days,
                    "status": t.status,
                }
                for t, r in rows
            ]

    # -- acceptance ---------------------------------------------------------------------------

    def accept_risk(
        self, risk_id: int, acc: AcceptanceIn, today: date | None = None
    ) -> dict[str, Any]:
        """Accept a risk: approver ≠ requester, an expiry, and the accepted state in the ledger."""
        check_acceptance(acc, today)
        with transaction(self.sessions) as s:
            r = self._risk(s, risk_id)
            snapshot_risk = self._risk_dict(s, r, today)
            acc_id = f"acc-{uuid.uuid4().hex[:16]}"
            now = _now()
            record = {
                "acceptance": acc_id,
                "requester": acc.requester,
                "approver": acc.approver,
                "reason": acc.reason,
                "expires": _iso(acc.expires),
                "accepted_at": _iso(now),
                # What was accepted: the risk as it stood, ratings, controls and treatments.
                "risk": {k: v for k, v in snapshot_risk.items() if k != "acceptance"},
            }
            receipt = self.ledger.append(s, kind=ACCEPT_KIND, subject=acc_id, record=record)
            s.add(
                AcceptanceRow(
                    id=acc_id,
                    risk_id=r.id,
                    requester=acc.requester,
                    approver=acc.approver,
                    reason=acc.reason,
                    expires=acc.expires,
                    snapshot=record,
                    record_hash=receipt.record_hash,
                    log_index=receipt.log_index,
                    created_at=now,
                )
            )
            r.status = "accepted"
            r.updated_at = now
            s.flush()
            return {
                "id": acc_id,
                "risk_id": r.id,
                "expires": _iso(acc.expires),
                "record_hash": receipt.record_hash,
                "log_index": receipt.log_index,
                "snapshot": record,
            }

    def get_acceptance(self, acc_id: str) -> dict[str, Any]:
        with self.sessions() as s:
            row = s.get(AcceptanceRow, acc_id)
            if row is None:
                raise not_found("acceptance", acc_id)
            return {
                "id": row.id,
                "risk_id": row.risk_id,
                "record_hash": row.record_hash,
                "log_index": row.log_index,
                "snapshot": row.snapshot,
            }

    # -- matrices, copies, diffs --------------------------------------------------------------

    def change_matrix(self, assessment_id: int, matrix_id: str, actor: str) -> dict[str, Any]:
        """Move an assessment to another matrix, re-mapping every rating by the explicit rules."""
        target = self.matrices.get(matrix_id)
        with transaction(self.sessions) as s:
            a = self._assessment(s, assessment_id)
            if a.matrix_id == target.id:
                raise InvalidInput(f"assessment {a.id} already uses {target.id}", where="matrix")
            source = a.matrix_id
            changes = []
            for r in s.scalars(select(RiskRow).where(RiskRow.assessment_id == a.id)):
                before = {}
                after = {}
                for kind in ("inherent", "current", "residual", "target"):
                    lik, imp = getattr(r, f"{kind}_l"), getattr(r, f"{kind}_i")
                    if lik is None or imp is None:
                        continue
                    nl, ni = self.matrices.remap(source, target.id, lik, imp)
                    setattr(r, f"{kind}_l", nl)
                    setattr(r, f"{kind}_i", ni)
                    before[kind] = [lik, imp]
                    after[kind] = [nl, ni]
                changes.append({"key": r.key, "before": before, "after": after})
            a.matrix_id = target.id
            record = {
                "assessment": a.id,
                "from": source,
                "to": target.id,
                "by": actor,
                "changes": changes,
            }
            self.ledger.append(s, kind="assessment.matrix", subject=str(a.id), record=record)
            return record

    def copy_assessment(self, source_id: int, name: str, period: str, actor: str) -> dict[str, Any]:
        """Start a new period from the last one: risks, ratings, controls and open treatments."""
        with transaction(self.sessions) as s:
            src = self._assessment(s, source_id)
            new = AssessmentRow(
                name=name,
                period=period,
                matrix_id=src.matrix_id,
                status="open",
                copied_from=src.id,
                created_by=actor,
                created_at=_now(),
            )
            s.add(new)
            s.flush()
            now = _now()
            for r in s.scalars(select(RiskRow).where(RiskRow.assessment_id == src.id)):
                copy = RiskRow(
                    assessment_id=new.id,
                    key=r.key,
                    title=r.title,
                    category=r.category,
                    owner=r.owner,
                    description=r.description,
                    causes=list(r.causes),
                    consequences=list(r.consequences),
                    inherent_l=r.inherent_l,
                    inherent_i=r.inherent_i,
                    current_l=r.current_l,
                    current_i=r.current_i,
                    residual_l=r.residual_l,
                    residual_i=r.residual_i,
                    residual_override_reason=r.residual_override_reason,
                    target_l=r.target_l,
                    target_i=r.target_i,
                    # Acceptances belong to the period they were given in: re-decide each time.
                    status="open",
                    created_at=now,
                    updated_at=now,
                )
                s.add(copy)
                s.flush()
                for c in self._controls(s, r.id):
                    s.add(
                        ControlRow(
                            risk_id=copy.id,
                            name=c.name,
                            kind=c.kind,
                            effectiveness=c.effectiveness,
                            owner=c.owner,
                        )
                    )
                for t in self._treatments(s, r.id):
                    if t.status in ("open", "in_progress"):
                        s.add(
                            TreatmentRow(
                                risk_id=copy.id,
                                action=t.action,
                                owner=t.owner,
                                due=t.due,
                                status=t.status,
                                created_at=now,
                            )
                        )
            s.flush()
            self.ledger.append(
                s,
                kind="assessment.create",
                subject=str(new.id),
                record={
                    "id": new.id,
                    "name": name,
                    "period": period,
                    "copied_from": src.id,
                    "by": actor,
                },
            )
            return self._assessment_dict(s, new)

    def _diff_view(self, s: Session, assessment_id: int) -> list[dict[str, Any]]:
        out = []
        for r in s.scalars(select(RiskRow).where(RiskRow.assessment_id == assessment_id)):
            d = self._risk_dict(s, r)
            d["controls"] = sorted(
                (c["name"], c["kind"], c["effectiveness"]) for c in d["controls"]
            )
            for k in ("inherent", "current", "residual", "target"):
                if d[k] is not None:
                    d[k] = {
                        "likelihood": d[k]["likelihood"],
                        "impact": d[k]["impact"],
                        "level": d[k]["level"],
                    }
            out.append(d)
        return out

    def diff(self, old_id: int, new_id: int) -> dict[str, Any]:
        with self.sessions() as s:
            a, b = self._assessment(s, old_id), self._assessment(s, new_id)
            out = diff_registers(self._diff_view(s, a.id), self._diff_view(s, b.id))
            return {
                "old": {"id": a.id, "period": a.period, "matrix": a.matrix_id},
                "new": {"id": b.id, "period": b.period, "matrix": b.matrix_id},
                **out,
            }

    def heatmap(self, assessment_id: int, rating: str = "residual") -> dict[str, Any]:
        if rating not in ("inherent", "current", "residual", "target"):
            raise InvalidInput(
                "rating must be inherent, current, residual or target", where="rating"
            )
        view = self.get_assessment(assessment_id)
        m = self.matrices.get(view["matrix"])
        nl, ni = m.size
        counts = [[0] * ni for _ in range(nl)]
        keys: list[list[list[str]]] = [[[] for _ in range(ni)] for _ in range(nl)]
        for r in view["register"]:
            rt = r[rating] or (r["suggested_residual"] if rating == "residual" else None)
            if rt is None:
                continue
            counts[rt["likelihood"] - 1][rt["impact"] - 1] += 1
            keys[rt["likelihood"] - 1][rt["impact"] - 1].append(r["key"])
        return {
            "assessment": assessment_id,
            "rating": rating,
            "matrix": m.describe(),
            "counts": counts,
            "keys": keys,
        }

    # -- KRIs ---------------------------------------------------------------------------------

    def define_kri(self, spec: kri_metrics.KriIn, actor: str) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            if s.scalar(select(KriRow.id).where(KriRow.name == spec.name)) is not None:
                raise Conflict(f"a KRI named {spec.name!r} exists", where="name")
            row = KriRow(
                name=spec.name,
                metric=spec.metric,
                params=spec.params,
                window_days=spec.window_days,
                amber=spec.amber,
                red=spec.red,
                direction=spec.direction,
                risk_key=spec.risk_key,
                created_by=actor,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            out = _kri_dict(row)
            self.ledger.append(
                s, kind="assessment.kri", subject=str(row.id), record={"by": actor, "kri": out}
            )
            return out

    def list_kris(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            out = []
            for k in s.scalars(select(KriRow).order_by(KriRow.name)):
                last = s.scalars(
                    select(KriReadingRow)
                    .where(KriReadingRow.kri_id == k.id)
                    .order_by(KriReadingRow.id.desc())
                ).first()
                out.append({**_kri_dict(k), "last": _reading_dict(last) if last else None})
            return out

    def check_kris(self, now: datetime | None = None) -> dict[str, Any]:
        """Compute every KRI over its window from the engine's tables; record and alert."""
        now = now or _now()
        readings = []
        with transaction(self.sessions) as s:
            for k in s.scalars(select(KriRow).order_by(KriRow.name)):
                start = now - timedelta(days=k.window_days)
                m = kri_metrics.compute(s, k.metric, k.params, start, now)
                status = kri_metrics.status(m.value, k.amber, k.red, k.direction)
                row = KriReadingRow(
                    kri_id=k.id,
                    value=m.value,
                    numerator=m.numerator,
                    denominator=m.denominator,
                    status=status,
                    window_start=start,
                    window_end=now,
                    computed_at=now,
                )
                s.add(row)
                s.flush()
                readings.append({**_kri_dict(k), "reading": _reading_dict(row)})
        alerts = [r for r in readings if r["reading"]["status"] in ("amber", "red")]
        return {"at": _iso(now), "readings": readings, "alerts": alerts}

    def kri_history(self, name: str) -> list[dict[str, Any]]:
        with self.sessions() as s:
            k = s.scalar(select(KriRow).where(KriRow.name == name))
            if k is None:
                raise not_found("kri", name)
            rows = s.scalars(
                select(KriReadingRow).where(KriReadingRow.kri_id == k.id).order_by(KriReadingRow.id)
            )
            return [_reading_dict(r) for r in rows]

    def delete_kri(self, name: str, actor: str) -> None:
        with transaction(self.sessions) as s:
            k = s.scalar(select(KriRow).where(KriRow.name == name))
            if k is None:
                raise not_found("kri", name)
            s.execute(delete(KriReadingRow).where(KriReadingRow.kri_id == k.id))
            s.delete(k)
            self.ledger.append(
                s, kind="assessment.kri", subject=str(k.id), record={"by": actor, "deleted": name}
            )

    # -- maturity and quantification runs -----------------------------------------------------

    def save_maturity(
        self,
        questionnaire: str,
        version: str,
        period: str,
        answers: Mapping[str, Any],
        result: Mapping[str, Any],
        overall: float,
        actor: str,
    ) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            row = MaturityRunRow(
                questionnaire=questionnaire,
                version=version,
                period=period,
                answers=dict(answers),
                result=dict(result),
                overall=overall,
                created_by=actor,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            self.ledger.append(
                s,
                kind="assessment.maturity",
                subject=str(row.id),
                record={
                    "questionnaire": questionnaire,
                    "version": version,
                    "period": period,
                    "answers": dict(answers),
                    "by": actor,
                },
            )
            return {"id": row.id, "period": period, "overall": overall}

    def maturity_runs(self, questionnaire: str | None = None) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = select(MaturityRunRow).order_by(MaturityRunRow.created_at, MaturityRunRow.id)
            if questionnaire:
                q = q.where(MaturityRunRow.questionnaire == questionnaire)
            return [
                {
                    "id": r.id,
                    "questionnaire": r.questionnaire,
                    "version": r.version,
                    "period": r.period,
                    "overall": r.overall,
                    "result": r.result,
                    "created_at": _iso(r.created_at),
                    "created_by": r.created_by,
                }
                for r in s.scalars(q)
            ]

    def save_quant_run(
        self, name: str, seed: int, inputs: Mapping[str, Any], result: Mapping[str, Any], actor: str
    ) -> dict[str, Any]:
        with transaction(self.sessions) as s:
            row = QuantRunRow(
                name=name,
                seed=seed,
                inputs=dict(inputs),
                result=dict(result),
                created_by=actor,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            self.ledger.append(
                s,
                kind="assessment.quant",
                subject=str(row.id),
                record={"name": name, "seed": seed, "inputs": dict(inputs), "by": actor},
            )
            return {"id": row.id, "name": name, "seed": seed}

    def quant_runs(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "seed": r.seed,
                    "inputs": r.inputs,
                    "result": r.result,
                    "created_at": _iso(r.created_at),
                }
                for r in s.scalars(select(QuantRunRow).order_by(QuantRunRow.id))
            ]


def _kri_dict(k: KriRow) -> dict[str, Any]:
    return {
        "id": k.id,
        "name": k.name,
        "metric": k.metric,
        "params": dict(k.params),
        "window_days": k.window_days,
        "amber": k.amber,
        "red": k.red,
        "direction": k.direction,
        "risk_key": k.risk_key,
    }


def _reading_dict(r: KriReadingRow) -> dict[str, Any]:
    return {
        "value": r.value,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "status": r.status,
        "window_start": _iso(r.window_start),
        "window_end": _iso(r.window_end),
        "computed_at": _iso(r.computed_at),
    }


def report_data(
    reg: RegisterService,
    assessment_id: int,
    *,
    quant_run_id: int | None = None,
    top_countries: int = 15,
    top_corridors: int = 10,
    today: date | None = None,
) -> dict[str, Any]:
    """Everything the management report shows, gathered from the database and the indicators."""
    from borderline.assessment.countries import CorridorModel, compute_index
    from borderline.assessment.report import assemble
    from borderline.store.models import OrderRow

    assessment = reg.get_assessment(assessment_id, today)
    heatmap = reg.heatmap(assessment_id, "residual")
    overdue = reg.overdue_treatments(today)
    runs = reg.quant_runs()
    quant = None
    run: dict[str, Any] | None
    if quant_run_id is not None:
        match = [r for r in runs if r["id"] == quant_run_id]
        if not match:
            raise not_found("quant run", quant_run_id)
        run = match[0]
    else:
        run = runs[-1] if runs else None
    if run is not None:
        quant = {
            "name": run["name"],
            "currency": run["inputs"].get("currency", "EUR"),
            "parameters": {"seed": run["seed"], "trials": run["inputs"].get("trials")},
            **run["result"],
        }
    maturity_runs = reg.maturity_runs()
    maturity = maturity_runs[-1]["result"] if maturity_runs else None
    index = compute_index()
    countries = [s.to_dict() for s in index.ranked()[:top_countries]]
    with reg.sessions() as s:
        pairs = s.execute(
            select(OrderRow.origin_country, OrderRow.destination_country, func.count())
            .group_by(OrderRow.origin_country, OrderRow.destination_country)
            .order_by(func.count().desc())
            .limit(top_corridors)
        ).all()
    corridors = []
    if pairs:
        model = CorridorModel.build()
        for o, d, n in pairs:
            corridors.append({**model.corridor(o, d).to_dict(), "orders": int(n)})
        corridors.sort(key=lambda c: -c["risk"])
    kris = [
        {"name": k["name"], "metric": k["metric"], "risk_key": k["risk_key"], **k["last"]}
        for k in reg.list_kris()
        if k["last"] is not None
    ]
    return assemble(
        assessment,
        heatmap,
        overdue,
        kris=kris,
        quant=quant,
        maturity=maturity,
        countries=countries,
        corridors=corridors,
        today=today,
    )
