"""Case management: the review queue, cases opened from decisions, dispositions that become labels.

Public API (exported lazily, the service needs SQLAlchemy; the rest is internal):

- The queue: ``queue`` (``QueueFilter``, ``SORTS``), ``claim``, ``claim_of``, ``sync_queue``,
  ``queue_synced``, ``QUEUE_OUTCOMES``, ``SLA_HOURS``.
- Cases: ``open_case``, ``get_case``, ``list_cases``, ``cases_for_decision``, ``add_note``,
  ``assign_case``, ``disposition`` (``DISPOSITIONS``), ``reopen``; attachments
  ``add_attachment``, ``get_attachment``, ``MAX_ATTACHMENT_BYTES``.
- Analyst actions: ``allow_party``, ``clear_hit``; the lists they write to,
  ``SANCTIONS_BLOCK_LIST`` and ``SANCTIONS_REPORT``.
- ``register_ledger`` and the ``CaseDecisionRow`` table.

Every change is logged in the ledger in the same transaction (kinds ``case.open``,
``case.note``, ``case.assign``, ``case.disposition``, ``case.attach``, ``queue.claim``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.cases.actions import allow_party, clear_hit
    from borderline.cases.review_queue import queue_synced
    from borderline.cases.service import (
        MAX_ATTACHMENT_BYTES,
        SORTS,
        QueueFilter,
        add_attachment,
        add_note,
        assign_case,
        cases_for_decision,
        claim,
        claim_of,
        disposition,
        get_attachment,
        get_case,
        list_cases,
        open_case,
        queue,
        register_ledger,
        reopen,
        sync_queue,
    )
    from borderline.cases.store import CaseDecisionRow

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".actions": ("allow_party", "clear_hit"),
        ".review_queue": ("queue_synced",),
        ".service": (
            "MAX_ATTACHMENT_BYTES",
            "SORTS",
            "QueueFilter",
            "add_attachment",
            "add_note",
            "assign_case",
            "cases_for_decision",
            "claim",
            "claim_of",
            "disposition",
            "get_attachment",
            "get_case",
            "list_cases",
            "open_case",
            "queue",
            "register_ledger",
            "reopen",
            "sync_queue",
        ),
        ".store": ("CaseDecisionRow",),
    },
)


# disposition -> (label kind for Services.add_labels, is_fraud); None: no fraud label
DISPOSITIONS: dict[str, tuple[str | None, bool]] = {
    "confirmed_fraud": ("analyst", True),
    "false_positive": ("legitimate", False),
    "legitimate": ("legitimate", False),
    # A true sanctions hit is not fraud (no fraud label): the parties are blocked for every
    # later order and the transaction must be reported to the authority.
    "confirmed_sanctions_match": (None, False),
}

# What a confirmed sanctions match obliges: block the party, report the blocked or rejected
# transaction. OFAC: report within 10 business days (31 CFR 501.603, 501.604); OFSI: report
# as soon as practicable (UK regulations' reporting obligations); EU: to the national
# competent authority (Council Regulation (EU) 269/2014 art. 8).
SANCTIONS_BLOCK_LIST = "sanctions-confirmed"
SANCTIONS_REPORT = (
    "report the blocked or rejected transaction to the competent authority: OFAC within 10 "
    "business days (31 CFR 501.603/501.604), OFSI as soon as practicable, an EU member "
    "state's competent authority (Regulation (EU) 269/2014 art. 8)"
)

# Service levels for queued decisions, in hours, by outcome.
SLA_HOURS: dict[str, float] = {"review": 4.0, "hold": 24.0}

QUEUE_OUTCOMES = ("review", "hold")

__all__ = [
    "DISPOSITIONS",
    "MAX_ATTACHMENT_BYTES",
    "QUEUE_OUTCOMES",
    "SANCTIONS_BLOCK_LIST",
    "SANCTIONS_REPORT",
    "SLA_HOURS",
    "SORTS",
    "CaseDecisionRow",
    "QueueFilter",
    "add_attachment",
    "add_note",
    "allow_party",
    "assign_case",
    "cases_for_decision",
    "claim",
    "claim_of",
    "clear_hit",
    "disposition",
    "get_attachment",
    "get_case",
    "list_cases",
    "open_case",
    "queue",
    "queue_synced",
    "register_ledger",
    "reopen",
    "sync_queue",
]
