"""What every part of the register service shares: its storage, the ledger, the rating
matrices, the acceptance ledger records and the row helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from borderline.assessment.register import (
    MatrixBook,
    Rating,
    RiskMatrix,
    not_found,
    suggest_residual,
)
from borderline.assessment.store import (
    AcceptanceRow,
    AssessmentRow,
    ControlRow,
    KriReadingRow,
    KriRow,
    RiskRow,
    TreatmentRow,
)
from borderline.model import Receipt

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


class RegisterBase:
    """Storage, ledger and matrices, and the helpers that read rows of the register."""

    sessions: sessionmaker[Session]
    ledger: LedgerLike
    matrices: MatrixBook

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
