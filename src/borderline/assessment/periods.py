"""Register periods: changing an assessment's matrix, copying it to a new period, diffs and
heat maps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.assessment._register_base import (
    RegisterBase,
    _now,
)
from borderline.assessment.register import (
    diff_registers,
)
from borderline.assessment.store import (
    AssessmentRow,
    ControlRow,
    RiskRow,
    TreatmentRow,
)
from borderline.errors import InvalidInput
from borderline.store import transaction


class PeriodOperations(RegisterBase):
    """Matrices, copies of an assessment, diffs between periods and heat maps."""

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
