"""A Spark decision row's record hash is the ledger's, with the body serialised once, from the
models' attributes rather than their JSON dump where the bytes are the same."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.decisions import (
    decision_canonical,
    decision_hash,
    decision_record,
    decision_record_hash,
    history_snapshot,
)
from borderline.engine import AssessContext, CustomerHistory, Engine
from borderline.ledger import canonical_json, record_hash
from borderline.ledger.canonical import CanonicalError
from borderline.model import (
    Decision,
    Finding,
    Order,
    Outcome,
    Reason,
    Receipt,
    RuleHit,
    Severity,
)

BODIES: list[dict[str, Any]] = [
    {"order_id": "o-1", "score": 0.0, "outcome": "approve", "reasons": []},
    {
        "order_id": "o-2",
        "score": 37.5,
        "findings": [{"code": "fraud.model.score", "evidence": {"probability": 1e-7}}],
        "big": 1e16,
        "huge": 1e300,
        "text": "Zoë €\u2028 \U0001f600 דּ",
        "keys": {"\u00e9": 1, "e": 2, "\U0001f600": 3, "\ufb33": 4},
        "receipt": {"log_index": 3},  # never part of what the ledger commits to
    },
]


@pytest.mark.parametrize("body", BODIES)
def test_decision_hash_is_the_ledgers(body: dict[str, Any]) -> None:
    phash = "ab" * 32
    canon, rhash = decision_hash(body, phash)
    assert rhash == record_hash(decision_record(body, phash))
    # The stored JSON is the canonical body: read back, it hashes to the same record.
    back = json.loads(canon)
    assert "receipt" not in back
    assert canon == canonical_json(back)
    assert record_hash(decision_record(back, phash)) == rhash


def test_another_payload_hash_changes_the_record_hash() -> None:
    assert decision_hash(BODIES[0], "ab" * 32)[1] != decision_hash(BODIES[0], "cd" * 32)[1]


# -- the canonical body built from the models, not their JSON dump ---------------------------


def _dumped(decision: Decision, context: dict[str, Any]) -> bytes:
    """What the service stores and hashes: the JSON dump, receipt left out, with context."""
    body = decision.model_dump(mode="json", exclude={"receipt"})
    body["context"] = context
    return canonical_json(body)


def _decision(evidence: Any, **over: Any) -> Decision:
    finding = Finding(
        code="fraud.model.score",
        severity=Severity.MEDIUM,
        score=12.5,
        explanation="model score",
        evidence={"value": evidence},
        actions=["request_3ds"],
        signals={"fraud.score": 0.5, "fraud.hits": 2, "fraud.flag": True, "fraud.band": "mid"},
        assessor="fraud",
        source="fraud@1.0",
    )
    fields: dict[str, Any] = {
        "decision_id": "dec_1",
        "order_id": "o-1",
        "outcome": Outcome.REVIEW,
        "score": 12.5,
        "actions": ["request_3ds"],
        "reasons": [
            Reason(
                code="fraud.model.score",
                severity=Severity.MEDIUM,
                contribution=12.5,
                explanation="model score",
                assessor="fraud",
                source="fraud@1.0",
                evidence={"value": evidence},
            )
        ],
        "rules": [RuleHit(rule="r1", kind="rule", effect="review", explanation="why")],
        "findings": [finding],
        "signals": {"fraud.score": 0.5, "x": None},
        "versions": {"engine": "1", "policy": "default@1"},
        "timings_ms": {"fraud": 0.0, "total": 1.25},
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "degraded": False,
        "receipt": Receipt(log_index=1, leaf_hash="a", record_hash="b"),
    }
    return Decision(**{**fields, **over})


CONTEXT = {"customer": {"orders": 3, "amount_sum": 30.0, "amount_sumsq": 300.5, "first_seen": None}}


def test_the_body_names_every_field_of_the_models() -> None:
    # A field added to a model and not to decision_canonical would be left out of the record
    # when the values are plain; this fails first.
    body = json.loads(decision_canonical(_decision(1), CONTEXT))
    assert set(body) == set(Decision.model_fields) - {"receipt"} | {"context"}
    assert set(body["findings"][0]) == set(Finding.model_fields)
    assert set(body["reasons"][0]) == set(Reason.model_fields)
    assert set(body["rules"][0]) == set(RuleHit.model_fields)
    for model in (Decision, Finding, Reason, RuleHit):
        assert not model.model_computed_fields
        assert model.model_config.get("extra") != "allow"


class _Kind(StrEnum):
    A = "a"


@pytest.mark.parametrize(
    "evidence",
    [
        1,
        3.0,
        -0.0,
        1e-7,
        1e16,
        "Zoë \U0001f600",
        [1, "x", None, True, {"k": 2.5}],
        (1, 2.0),  # dumped as a list
        {"\U0001f600": 1, "e": 2},  # a key the fast path does not take
        datetime(2026, 1, 2, tzinfo=UTC),  # "Z" in the dump, "+00:00" from isoformat
        date(2026, 1, 2),
        Decimal("1.50"),
        _Kind.A,
        {"nested": [datetime(2026, 1, 2, 3, tzinfo=UTC)]},
        2**60,  # beyond the safe integers: no canonical form either way
    ],
)
def test_the_canonical_body_is_the_dumps(evidence: Any) -> None:
    _same_as_the_dump(_decision(evidence))


def _same_as_the_dump(decision: Any) -> None:
    """The body built from the fields equals the dump's, or both refuse the value."""
    try:
        want = _dumped(decision, CONTEXT)
    except CanonicalError:
        with pytest.raises(CanonicalError):
            decision_canonical(decision, CONTEXT)
        return
    assert decision_canonical(decision, CONTEXT) == want


_evidence = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.datetimes(timezones=st.just(UTC))
    | st.dates()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.sampled_from(list(_Kind)),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)


@given(_evidence, st.floats(min_value=0, max_value=100))
def test_the_canonical_body_is_the_dumps_for_any_evidence(evidence: Any, score: float) -> None:
    _same_as_the_dump(_decision(evidence, score=score))


def test_the_canonical_body_of_engine_decisions_is_the_dumps() -> None:
    from tests.spark.conftest import _orders

    engine = Engine()
    orders = _orders()[0]
    context = history_snapshot(CustomerHistory())
    for payload in orders[:20] + orders[-300:-280]:
        decision = engine.assess(Order.model_validate(payload), AssessContext())
        assert decision_canonical(decision, context) == _dumped(decision, context)


def test_the_record_hash_of_the_canonical_body_is_the_ledgers() -> None:
    canon = decision_canonical(_decision(1), CONTEXT)
    phash = "ab" * 32
    assert decision_record_hash(canon, phash) == record_hash(
        decision_record(json.loads(canon), phash)
    )
