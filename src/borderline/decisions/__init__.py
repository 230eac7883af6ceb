"""Deciding orders and keeping the record: assessing and storing, customer history, replay,
policy versions with backtests, and outcome labels.

Public API (the rest is internal):

- Recording: ``DecisionRecorder``, ``BatchItem``, ``parse_order``, ``payload_hash``,
  ``payload_sha256``, ``decision_record``, ``decision_hash``, ``decision_canonical``,
  ``decision_record_hash``, ``decision_record_by_id``, ``reason_fields``;
  ``append_decisions`` (decisions made elsewhere, e.g. by Spark, appended to the record).
- Customer history: ``DbHistory``, ``history_snapshot``, ``history_from_snapshot``.
- Policies: ``PolicyVersions``, ``POLICY_NAME``, ``BacktestReport``, ``replay_policy``,
  ``policy_draft_record``, ``policy_activate_record``.
- Labels: ``Labels``, ``LABEL_KINDS``, ``label_record``.
"""

from typing import TYPE_CHECKING

from borderline.decisions.history import DbHistory, history_from_snapshot, history_snapshot
from borderline.decisions.labels import LABEL_KINDS, Labels, label_record
from borderline.decisions.policies import (
    POLICY_NAME,
    BacktestReport,
    PolicyVersions,
    policy_activate_record,
    policy_draft_record,
)
from borderline.decisions.record import (
    BatchItem,
    DecisionRecorder,
    decision_canonical,
    decision_hash,
    decision_record,
    decision_record_by_id,
    decision_record_hash,
    parse_order,
    payload_hash,
    payload_sha256,
    reason_fields,
)
from borderline.decisions.replay import replay_policy
from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.decisions.imported import append_decisions

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".imported": ("append_decisions",),
    },
)

__all__ = [
    "LABEL_KINDS",
    "POLICY_NAME",
    "BacktestReport",
    "BatchItem",
    "DbHistory",
    "DecisionRecorder",
    "Labels",
    "PolicyVersions",
    "append_decisions",
    "decision_canonical",
    "decision_hash",
    "decision_record",
    "decision_record_by_id",
    "decision_record_hash",
    "history_from_snapshot",
    "history_snapshot",
    "label_record",
    "parse_order",
    "payload_hash",
    "payload_sha256",
    "policy_activate_record",
    "policy_draft_record",
    "reason_fields",
    "replay_policy",
]
