"""What an admin does with webhooks: register endpoints, read the delivery log, re-send.

Each function takes the narrow things it needs (a session factory, and the audit ledger for
changes) and runs in one transaction; the API, CLI and dashboard only call these.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.store import transaction
from borderline.webhooks.outbox import EVENT_TYPES, enqueue
from borderline.webhooks.tables import AttemptRow, DeliveryRow, EndpointRow, EventRow

STATUSES = ("pending", "delivered", "failed")


class LedgerAppender(Protocol):
    def append(
        self, session: Session, *, kind: str, subject: str, record: dict[str, Any]
    ) -> Any: ...


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url must be an absolute http:// or https:// URL", where="url")
    if parts.username or parts.password:
        raise InvalidInput("url must not carry a user name or password", where="url")
    if len(url) > 2000:
        raise InvalidInput("url is longer than 2000 characters", where="url")
    return url


def check_events(events: Sequence[str]) -> list[str]:
    if not events:
        raise InvalidInput(
            f"name at least one event type: {', '.join(EVENT_TYPES)}", where="events"
        )
    out: list[str] = []
    for i, e in enumerate(events):
        if e not in EVENT_TYPES:
            raise InvalidInput(
                f"unknown event type {e!r}; types: {', '.join(EVENT_TYPES)}", where=f"events[{i}]"
            )
        if e not in out:
            out.append(e)
    return out


def _endpoint_dict(r: EndpointRow, counts: dict[str, int] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": r.id,
        "url": r.url,
        "events": list(r.events),
        "description": r.description,
        "created_by": r.created_by,
        "created_at": _iso(r.created_at),
        "disabled": r.disabled_at is not None,
    }
    if counts is not None:
        d["deliveries"] = counts
    return d


def create_endpoint(
    sessions: sessionmaker[Session],
    ledger: LedgerAppender,
    *,
    url: str,
    events: Sequence[str],
    actor: str,
    description: str | None = None,
) -> dict[str, Any]:
    """Register an endpoint; the answer carries its signing secret, shown this once."""
    url = check_url(url)
    wanted = check_events(events)
    if description is not None and len(description) > 200:
        raise InvalidInput("description is longer than 200 characters", where="description")
    endpoint_id = f"wh_{uuid.uuid4().hex[:20]}"
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    with transaction(sessions) as s:
        row = EndpointRow(
            id=endpoint_id,
            url=url,
            secret=secret,
            events=wanted,
            description=description,
            created_by=actor,
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        # The secret never reaches the ledger; who pointed events where does.
        ledger.append(
            s,
            kind="webhook.create",
            subject=endpoint_id,
            record={"id": endpoint_id, "url": url, "events": wanted, "by": actor},
        )
        return {**_endpoint_dict(row), "secret": secret}


def list_endpoints(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as s:
        counts: dict[str, dict[str, int]] = {}
        for ep, status, n in s.execute(
            select(DeliveryRow.endpoint_id, DeliveryRow.status, func.count()).group_by(
                DeliveryRow.endpoint_id, DeliveryRow.status
            )
        ):
            counts.setdefault(ep, dict.fromkeys(STATUSES, 0))[status] = n
        return [
            _endpoint_dict(r, counts.get(r.id, dict.fromkeys(STATUSES, 0)))
            for r in s.scalars(select(EndpointRow).order_by(EndpointRow.created_at))
        ]


def disable_endpoint(
    sessions: sessionmaker[Session], ledger: LedgerAppender, endpoint_id: str, actor: str
) -> None:
    """Stop sending to an endpoint; its log stays, its pending deliveries are not sent."""
    with transaction(sessions) as s:
        row = s.get(EndpointRow, endpoint_id)
        if row is None:
            raise NotFound(f"no webhook endpoint {endpoint_id!r}", where="id")
        if row.disabled_at is not None:
            raise Conflict(f"webhook endpoint {endpoint_id} is already disabled", where="id")
        row.disabled_at = datetime.now(UTC)
        ledger.append(
            s, kind="webhook.disable", subject=endpoint_id, record={"id": endpoint_id, "by": actor}
        )


def _delivery_dict(d: DeliveryRow, ev: EventRow) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "event_type": ev.type,
        "endpoint_id": d.endpoint_id,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": _iso(d.next_attempt_at) if d.status == "pending" else None,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "delivered_at": _iso(d.delivered_at),
        "created_at": _iso(d.created_at),
    }


def list_deliveries(
    sessions: sessionmaker[Session],
    *,
    endpoint_id: str | None = None,
    status: str | None = None,
    event_type: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", where="status")
    with sessions() as s:
        q = select(DeliveryRow, EventRow).join(EventRow, EventRow.id == DeliveryRow.event_id)
        if endpoint_id:
            q = q.where(DeliveryRow.endpoint_id == endpoint_id)
        if status:
            q = q.where(DeliveryRow.status == status)
        if event_type:
            q = q.where(EventRow.type == event_type)
        q = q.order_by(DeliveryRow.id.desc()).limit(max(1, min(limit, 1000)))
        return [_delivery_dict(d, ev) for d, ev in s.execute(q).all()]


def get_delivery(sessions: sessionmaker[Session], delivery_id: int) -> dict[str, Any]:
    """A delivery with its event body and every attempt made (the delivery log)."""
    with sessions() as s:
        d = s.get(DeliveryRow, delivery_id)
        if d is None:
            raise NotFound(f"no webhook delivery {delivery_id}", where="id")
        ev = s.get(EventRow, d.event_id)
        assert ev is not None  # a foreign key
        attempts = [
            {
                "attempt": a.attempt,
                "at": _iso(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "trigger": a.trigger,
            }
            for a in s.scalars(
                select(AttemptRow)
                .where(AttemptRow.delivery_id == delivery_id)
                .order_by(AttemptRow.id)
            )
        ]
        return {**_delivery_dict(d, ev), "event": ev.payload, "log": attempts}


def resend(sessions: sessionmaker[Session], delivery_id: int, actor: str) -> dict[str, Any]:
    """Queue a delivery again now, whatever its state: a fresh round of attempts."""
    with transaction(sessions) as s:
        d = s.get(DeliveryRow, delivery_id)
        if d is None:
            raise NotFound(f"no webhook delivery {delivery_id}", where="id")
        ep = s.get(EndpointRow, d.endpoint_id)
        if ep is None or ep.disabled_at is not None:
            raise Conflict(f"endpoint {d.endpoint_id} is disabled; nothing to re-send to")
        now = datetime.now(UTC)
        s.add(
            AttemptRow(
                delivery_id=d.id,
                attempt=d.attempts,
                at=now,
                status_code=None,
                error=None,
                duration_ms=0.0,
                trigger=f"resend by {actor}",
            )
        )
        d.status, d.attempts, d.next_attempt_at, d.delivered_at = "pending", 0, now, None
        s.flush()
        ev = s.get(EventRow, d.event_id)
        assert ev is not None
        return _delivery_dict(d, ev)


def send_test(sessions: sessionmaker[Session], endpoint_id: str) -> str:
    """Queue a ``ping`` event to one endpoint (to check its URL and signature code)."""
    with transaction(sessions) as s:
        ep = s.get(EndpointRow, endpoint_id)
        if ep is None or ep.disabled_at is not None:
            raise NotFound(f"no enabled webhook endpoint {endpoint_id!r}", where="id")
        ids = enqueue(
            s,
            [("ping", {"endpoint_id": endpoint_id, "message": "test delivery from Borderline"})],
            [(endpoint_id, {"ping"})],
        )
        return ids[0]


def prune(sessions: sessionmaker[Session], older_than_days: int) -> dict[str, int]:
    """Delete events older than ``older_than_days`` whose every delivery is finished
    (delivered or failed), with their deliveries and attempt log; pending ones stay."""
    if older_than_days < 1:
        raise InvalidInput("keep at least one day", where="older_than_days")
    from datetime import timedelta

    from sqlalchemy import delete

    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    with transaction(sessions) as s:
        unfinished = select(DeliveryRow.event_id).where(DeliveryRow.status == "pending")
        events = list(
            s.scalars(
                select(EventRow.id).where(
                    EventRow.created_at < cutoff, EventRow.id.not_in(unfinished)
                )
            )
        )
        if not events:
            return {"events": 0, "deliveries": 0, "attempts": 0}
        deliveries = select(DeliveryRow.id).where(DeliveryRow.event_id.in_(events))
        attempts = s.execute(
            delete(AttemptRow).where(AttemptRow.delivery_id.in_(deliveries))
        ).rowcount  # type: ignore[attr-defined]
        n_deliveries = s.execute(
            delete(DeliveryRow).where(DeliveryRow.event_id.in_(events))
        ).rowcount  # type: ignore[attr-defined]
        s.execute(delete(EventRow).where(EventRow.id.in_(events)))
        return {"events": len(events), "deliveries": n_deliveries, "attempts": attempts}
