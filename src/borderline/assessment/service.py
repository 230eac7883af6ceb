"""The risk register, KRIs, maturity and quantification runs on the database, with the ledger.

Every stored change happens in one transaction together with its ledger entry, so a failure
leaves nothing half-saved. An acceptance is written once and never updated; the record hashed
into the ledger is the stored snapshot, and :func:`register_ledger_resolvers` lets
``ledger verify`` recompute it, so editing an accepted snapshot afterwards is detected.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from borderline.assessment._register_base import (
    ACCEPT_KIND,
    LedgerLike,
    RegisterBase,
    _iso,
    _now,
    register_ledger_resolvers,
)
from borderline.assessment.kri_service import KriOperations
from borderline.assessment.periods import PeriodOperations
from borderline.assessment.register import (
    AcceptanceIn,
    ControlIn,
    MatrixBook,
    Rating,
    RiskImport,
    RiskIn,
    TreatmentIn,
    check_acceptance,
    check_residual_override,
    default_matrices,
    effectiveness_value,
    not_found,
    suggest_residual,
)
from borderline.assessment.runs import ProgrammeRuns
from borderline.assessment.store import (
    AcceptanceRow,
    AssessmentRow,
    ControlRow,
    RiskRow,
    TreatmentRow,
)
from borderline.errors import BorderlineError, Conflict, InvalidInput
from borderline.store import transaction

__all__ = [
    "ACCEPT_KIND",
    "LedgerLike",
    "RegisterService",
    "register_ledger_resolvers",
    "report_data",
]


class RegisterService(PeriodOperations, KriOperations, ProgrammeRuns, RegisterBase):
    """The risk register: assessments, risks, controls, treatments and acceptances here; period
    operations, KRIs and maturity/quantification runs from the classes it joins."""

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

    def list_assessments(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(select(AssessmentRow).order_by(AssessmentRow.id))
            return [self._assessment_dict(s, a) for a in rows]

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
