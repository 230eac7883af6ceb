"""Labels reach the online feature store as they are stored.

``record_labelled`` is registered under the ``borderline.labelled`` entry-point group: the core
calls it in the same transaction as every label it stores (``POST /v1/labels``, a case
disposition), so label-aware features — fraud counts and rates per card, device, address,
corridor — see a chargeback as soon as it is older than the label delay, with no sync step.
Only adapters and services import this module (it touches the database).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from borderline.fraud.store import SqlFeatureStore
from borderline.store.models import LabelRow


def record_labelled(session: Session, label: Mapping[str, Any]) -> None:
    """Copy the order's *latest* label (by ``event_at``) into the store: labels may arrive out
    of order — an analyst's "legitimate" after a chargeback dated earlier must win."""
    oid = str(label["order_id"])
    latest = session.scalars(
        select(LabelRow)
        .where(LabelRow.order_id == oid)
        .order_by(LabelRow.event_at.desc(), LabelRow.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        SqlFeatureStore(session).record_label(oid, bool(latest.is_fraud))
