"""Outcome labels on stored orders (chargebacks, analyst verdicts…), each with a ledger entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.errors import BorderlineError, InvalidInput, NotFound
from borderline.store import transaction
from borderline.store.models import LabelRow, OrderRow
from borderline.store.ports import LedgerAppender, SessionFactory
from borderline.store.times import iso

LABEL_KINDS = ("chargeback", "refund_fraud", "analyst", "friendly_fraud", "legitimate")

LabelledHook = Callable[[Session, dict[str, Any]], Any]

# A label time a little ahead of this server's clock is a clock difference, not the future.
LABEL_CLOCK_SKEW = timedelta(minutes=5)


class Labels:
    """Records labels; ``hooks`` run in the same transaction (e.g. the fraud feature store)."""

    LABEL_KINDS = LABEL_KINDS

    def __init__(
        self, sessions: SessionFactory, ledger: LedgerAppender, hooks: Sequence[LabelledHook] = ()
    ) -> None:
        self.sessions, self.ledger, self.hooks = sessions, ledger, list(hooks)

    def add_labels(
        self, labels: Iterable[Mapping[str, Any]], actor: str, session: Session | None = None
    ) -> list[dict[str, Any]]:
        """Record labels; with ``session`` they join the caller's transaction (a case
        disposition and its labels land together or not at all)."""
        if session is not None:
            return self._add_in(session, labels, actor)
        with transaction(self.sessions) as s:
            return self._add_in(s, labels, actor)

    def add_each(self, labels: Sequence[Mapping[str, Any]], actor: str) -> list[dict[str, Any]]:
        """Record each label on its own: one bad label (an unknown order id, a future time) is
        reported at its index and does not stop the others. Returns, per input, either
        ``{"index", "label"}`` or ``{"index", "error"}``."""
        out: list[dict[str, Any]] = []
        with transaction(self.sessions) as s:
            for i, lab in enumerate(labels):
                try:
                    with s.begin_nested():
                        stored = self._add_in(s, [lab], actor, offset=i)
                    out.append({"index": i, "label": stored[0]})
                except BorderlineError as exc:
                    out.append({"index": i, "error": exc.to_dict()})
        return out

    def _add_in(
        self, s: Session, labels: Iterable[Mapping[str, Any]], actor: str, offset: int = 0
    ) -> list[dict[str, Any]]:
        out = []
        for i, lab in enumerate(labels, offset):
            where = f"labels[{i}]"
            oid = lab.get("order_id")
            kind = lab.get("kind")
            if not isinstance(oid, str) or s.get(OrderRow, oid) is None:
                raise NotFound(f"no stored order {oid!r}", where=f"{where}.order_id")
            if kind not in LABEL_KINDS:
                raise InvalidInput(
                    f"kind must be one of {', '.join(LABEL_KINDS)}", where=f"{where}.kind"
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
            if event_dt > datetime.now(UTC) + LABEL_CLOCK_SKEW:
                raise InvalidInput(
                    f"event_at {event_dt.isoformat()} is in the future: a chargeback or an "
                    "analyst outcome is labelled when it has happened",
                    where=f"{where}.event_at",
                )
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
            for hook in self.hooks:
                hook(s, _label(row))
            out.append(_label(row))
        return out


def label_record(s: Session, subject: str) -> Mapping[str, Any] | None:
    row = s.scalars(select(LabelRow).where(LabelRow.label_id == subject)).first()
    return None if row is None else _label(row)


def _label(r: LabelRow) -> dict[str, Any]:
    return {
        "label_id": r.label_id,
        "order_id": r.order_id,
        "kind": r.kind,
        "is_fraud": r.is_fraud,
        "reason": r.reason,
        "source": r.source,
        "event_at": iso(r.event_at),
        "created_at": iso(r.created_at),
    }
