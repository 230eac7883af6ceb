"""The engine with its two built-in assessors, and what happens when an assessor breaks."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from borderline.assessors.consistency import ConsistencyAssessor
from borderline.assessors.lists import ListsAssessor, normalise_address
from borderline.engine import (
    AssessContext,
    BaseAssessor,
    CustomerHistory,
    Engine,
    ListHit,
    discover_assessors,
)
from borderline.errors import InvalidInput
from borderline.model import Finding, Order, Outcome
from borderline.samples import generate_orders
from borderline.service import parse_order

BASE = next(generate_orders(1, seed=3))


def order(**changes: Any) -> Order:
    o = copy.deepcopy(BASE)
    for path, value in changes.items():
        node: Any = o
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node[p]
        node[parts[-1]] = value
    return parse_order(o)


class History:
    def __init__(self, h: CustomerHistory) -> None:
        self.h = h

    def customer(self, key: str, before: datetime) -> CustomerHistory:
        return self.h


class Lists:
    def __init__(self, hits: dict[tuple[str, str], list[ListHit]]) -> None:
        self.hits = hits

    def lookup(self, kind: str, value: str) -> Sequence[ListHit]:
        return self.hits.get((kind, value), [])


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def test_builtins_register_through_the_entry_point_group() -> None:
    names = {a.name for a in discover_assessors()}
    assert {"consistency", "lists"} <= names
    with pytest.raises(InvalidInput, match="no assessor named"):
        discover_assessors(["nope"])


def test_unknown_setting_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="unknown setting"):
        ConsistencyAssessor({"ip_card_scroe": 1})


KNOWN = CustomerHistory(
    orders=5,
    amount_sum=500.0,
    amount_sumsq=5 * 100.0**2 + 40,
    first_seen=datetime(2025, 1, 1, tzinfo=UTC),
    countries=frozenset({"BR"}),
)


@pytest.mark.parametrize(
    ("changes", "history", "expected"),
    [
        ({}, CustomerHistory(), {"consistency.customer.first_seen"}),
        (
            {"device__ip_country": "NG"},
            KNOWN,
            {"consistency.country.ip_card", "consistency.country.ip_ship"},
        ),
        (
            {"payment__card_country": "MX"},
            KNOWN,
            {"consistency.country.ip_card", "consistency.country.card_ship"},
        ),
        ({"total": "5000.00", "payment__amount": "5000.00"}, KNOWN, {"consistency.amount.outlier"}),
        ({"payment__amount": "1.00"}, KNOWN, {"consistency.payment.amount_mismatch"}),
    ],
)
def test_consistency_table(
    changes: dict[str, Any], history: CustomerHistory, expected: set[str]
) -> None:
    o = order(**changes)
    found = codes(ConsistencyAssessor().assess(o, AssessContext(history=History(history))))
    interesting = found - {"consistency.summary"}
    assert interesting == expected


def test_new_country_for_a_known_customer() -> None:
    h = CustomerHistory(
        orders=2,
        amount_sum=200,
        amount_sumsq=20000,
        first_seen=datetime(2025, 1, 1, tzinfo=UTC),
        countries=frozenset({"FR"}),
    )
    found = codes(ConsistencyAssessor().assess(order(), AssessContext(history=History(h))))
    assert "consistency.customer.new_country" in found


def test_lists_block_and_allow() -> None:
    o = order()
    email = o.buyer.email
    assert email
    lists = Lists(
        {
            ("email", email): [ListHit("cb", "email", email, "block", "chargeback")],
            ("country", o.shipment.destination_country): [
                ListHit("home", "country", "BR", "allow")
            ],
        }
    )
    found = ListsAssessor().assess(o, AssessContext(lists=lists))
    assert {"lists.block.email", "lists.allow.country"} <= codes(found)
    d = Engine().assess(o, AssessContext(lists=lists))
    assert d.outcome is Outcome.DECLINE
    assert "blocklisted" in [h.rule for h in d.rules]


def test_address_normalisation_ignores_case_accents_and_punctuation() -> None:
    assert normalise_address("12, Rue de l'Église  PARIS") == normalise_address(
        "12 rue de l eglise, paris"
    )


class Broken(BaseAssessor):
    name: ClassVar[str] = "broken"
    version: ClassVar[str] = "0.1"

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        raise RuntimeError("reference data missing")


def test_a_failing_assessor_degrades_to_review_not_to_a_lost_order() -> None:
    d = Engine([ConsistencyAssessor(), Broken()]).assess(order())
    assert d.degraded
    assert d.outcome is Outcome.REVIEW
    failed = [f for f in d.findings if f.code == "engine.assessor_failed"]
    assert failed and failed[0].evidence["assessor"] == "broken"
    assert "manual_review" in d.actions


def test_decision_explains_itself() -> None:
    o = order(device__ip_country="NG", payment__card_country="MX")
    d = Engine().assess(o, AssessContext(history=History(KNOWN)))
    assert d.versions["policy"] == "default@builtin"
    assert d.versions["assessor.consistency"] == "1.0"
    assert {"consistency", "lists", "policy", "total"} <= set(d.timings_ms)
    assert d.reasons and all(r.contribution >= 0 for r in d.reasons)
    assert d.reasons == sorted(d.reasons, key=lambda r: -r.contribution)
    assert "request_3ds" in d.actions  # card country differs from shipping country


def test_engine_pickles_for_spark_tasks() -> None:
    e = Engine()
    clone = pickle.loads(pickle.dumps(e))
    o = order()
    assert clone.assess(o).outcome == e.assess(o).outcome


def test_time_is_part_of_the_order_not_the_clock() -> None:
    later = order(created_at=(datetime(2030, 1, 1, tzinfo=UTC) + timedelta(hours=3)).isoformat())
    assert Engine().assess(later).outcome is Outcome.APPROVE
