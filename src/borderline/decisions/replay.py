"""Re-decide a stored order from the evidence it had: its findings, signals and customer facts.

The facts come from :func:`borderline.policy.policy_facts`, the same function the live engine
uses, so replaying a decision under the policy that made it gives the same outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from borderline.decisions.history import history_from_snapshot
from borderline.engine import ListProvider
from borderline.model import Finding, Order
from borderline.policy import CompiledPolicy, PolicyResult, apply_policy, listed_in, policy_facts


def replay_policy(
    compiled: CompiledPolicy,
    body: Mapping[str, Any],
    payload: Mapping[str, Any],
    lists: ListProvider | None = None,
) -> PolicyResult:
    """Evaluate a policy on a stored decision's evidence (findings, signals, context)."""
    order = Order.model_validate(payload)
    findings = [Finding.model_validate(f) for f in body["findings"]]
    history = history_from_snapshot(body.get("context", {}))
    facts = policy_facts(order, history, findings, listed_in(lists))
    return apply_policy(compiled, facts, degraded=bool(body.get("degraded")))
