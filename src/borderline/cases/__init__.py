"""Case management: the review queue, cases opened from decisions, dispositions that become labels.

The public API is :mod:`borderline.cases.service` (functions taking the core ``Services``); the
tables live in :mod:`borderline.cases.store`. Every change is logged in the ledger in the same
transaction (kinds ``case.open``, ``case.note``, ``case.assign``, ``case.disposition``,
``case.attach``, ``queue.claim``).
"""

from __future__ import annotations

# disposition -> (label kind for Services.add_labels, is_fraud)
DISPOSITIONS: dict[str, tuple[str, bool]] = {
    "confirmed_fraud": ("analyst", True),
    "false_positive": ("legitimate", False),
    "legitimate": ("legitimate", False),
}

# Service levels for queued decisions, in hours, by outcome.
SLA_HOURS: dict[str, float] = {"review": 4.0, "hold": 24.0}

QUEUE_OUTCOMES = ("review", "hold")

__all__ = ["DISPOSITIONS", "QUEUE_OUTCOMES", "SLA_HOURS"]
