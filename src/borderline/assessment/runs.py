"""Stored maturity questionnaire runs and risk quantification runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from borderline.assessment._register_base import (
    RegisterBase,
    _iso,
    _now,
)
from borderline.assessment.store import (
    MaturityRunRow,
    QuantRunRow,
)
from borderline.store import transaction


class ProgrammeRuns(RegisterBase):
    """Maturity and quantification runs, each saved with its ledger entry."""

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
