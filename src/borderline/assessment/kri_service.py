"""Key risk indicators on the database: definitions, checks with their readings, history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from borderline.assessment import kri as kri_metrics
from borderline.assessment._register_base import (
    RegisterBase,
    _iso,
    _kri_dict,
    _now,
    _reading_dict,
)
from borderline.assessment.register import (
    not_found,
)
from borderline.assessment.store import (
    KriReadingRow,
    KriRow,
)
from borderline.errors import Conflict
from borderline.store import transaction


class KriOperations(RegisterBase):
    """Define, check, read and delete KRIs; every change with its ledger entry."""

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
