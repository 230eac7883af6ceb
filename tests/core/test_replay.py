"""A backtest of the active policy reproduces every stored decision, on SQLite and PostgreSQL.

Live decisions and replays build the policy's facts with the same function
(``borderline.policy.policy_facts``); these tests fail if the two paths ever disagree.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from borderline.decisions import replay_policy
from borderline.policy import compile_policy
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.store.models import DecisionRow, OrderRow

# Reads every kind of fact: customer history, lists, signals, findings and the score.
HISTORY_POLICY = """policy "default"
thresholds review 40, hold 70, decline 90
gate blocklisted: decline when has("lists.block") because "on a block list"
rule watched_bin: hold when listed("watch", payment.card_bin)
rule regular: add 5 when customer.orders >= 2 and customer.age_days >= 0
rule big_for_them: add 20 when customer.orders >= 1 and order.total > 2 * customer.mean_amount
rule first_order_high_value: add 10 when customer.first_seen and order.total >= 1000
rule night: review when order.hour < 5 and score >= 20
"""


def _stored(services: Services) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    with services.sessions() as s:
        rows = s.execute(
            select(DecisionRow.body, OrderRow.payload, DecisionRow.policy_version).join(
                OrderRow, OrderRow.id == DecisionRow.order_id
            )
        )
        return [(dict(b), dict(p), v) for b, p, v in rows]


def _activate(services: Services, source: str) -> int:
    version = int(services.create_policy(source, author="ann")["version"])
    services.backtest(version, actor="ann")
    services.activate_policy(version, actor="ada")
    return version


@pytest.mark.parametrize("policy", ["builtin", "history"])
def test_backtest_of_active_policy_reproduces_every_stored_decision(
    services: Services, policy: str
) -> None:
    if policy == "history":
        _activate(services, HISTORY_POLICY)
    # Few customers, so most orders come with a history the policy reads.
    orders = list(generate_orders(80, seed=5, customers=12))
    watched = orders[3]["payment"]["card_bin"]
    services.add_list_entry(
        list_name="watch",
        kind="card_bin",
        value=watched,
        action="allow",
        reason="replay test",
        actor="ada",
    )
    items = services.assess_batch(orders[:40])
    assert all(i.error is None for i in items)
    for order in orders[40:]:
        services.assess(order)
    active = int(services.get_policy()["version"])
    stored = _stored(services)
    assert len(stored) == 80 and {v for _, _, v in stored} == {active}
    assert sum(b["context"]["customer"]["orders"] > 0 for b, _, _ in stored) >= 40
    if policy == "history":  # the list and the history rules fired on some orders, not all
        fired = Counter(r["rule"] for b, _, _ in stored for r in b["rules"])
        assert 0 < fired["watched_bin"] < 80 and 0 < fired["regular"] < 80, fired

    report = services.backtest(active, actor="ann")
    assert report.orders == 80
    assert report.changed == 0, report.changes
    assert report.before == report.after == dict(Counter(b["outcome"] for b, _, _ in stored))

    compiled = compile_policy(services.get_policy()["source"], services.signals)
    for body, payload, _ in stored:
        result = replay_policy(compiled, body, payload, services.lists)
        assert str(result.outcome) == body["outcome"], body["order_id"]
        assert result.score == body["score"], body["order_id"]
        assert [h.rule for h in result.hits] == [r["rule"] for r in body["rules"]]
