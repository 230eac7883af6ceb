"""The policy language: a table of expressions and what they evaluate to, and of errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.errors import PolicySyntaxError
from borderline.model import Finding, Outcome, Severity
from borderline.policy import FIELDS, FUNCTIONS, Facts, apply_policy, compile_policy

FINDINGS = [
    Finding(
        code="screening.sanctions.us_ofac_sdn", severity=Severity.HIGH, score=85, explanation="hit"
    ),
    Finding(
        code="consistency.country.ip_card", severity=Severity.LOW, score=15, explanation="mismatch"
    ),
]
FACTS = Facts(
    fields={
        "ship_to.country": "DE",
        "payment.card_country": "NG",
        "order.total": 1250.0,
        "payment.method": "card",
        "customer.first_seen": True,
        "buyer.email_domain": None,
        "customer.orders": 0,
    },
    signals={"fraud.score": 72.5},
    findings=FINDINGS,
    score=40.0,
    listed=lambda name, v: name == "vip" and v == "NG",
)


def value(expr: str) -> Any:
    policy = compile_policy(f"rule r: review when {expr}", known_signals={"fraud.score"})
    return policy.rules[0].when(FACTS)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("score > 30", True),
        ("score >= 40 and score < 41", True),
        ("fraud.score > 70 and ship_to.country != payment.card_country", True),
        ("order.total * 2 - 500 == 2000", True),
        ("order.total / 0 > 1", False),  # division by zero is null, null compares false
        ('ship_to.country in ["DE", "AT"]', True),
        ('ship_to.country not in region("EU")', False),
        ('payment.card_country in region("EEA")', False),
        ('has("screening.sanctions")', True),
        ('has("screening.sanctions.*")', True),
        ('has("screening")', True),
        ('has("screen")', False),  # a prefix matches whole dotted parts only
        ('has("trade.embargo")', False),
        ('count("consistency") == 1', True),
        ('max_score("screening.sanctions") >= 85', True),
        ('max_score("trade") == 0', True),
        ("buyer.email_domain == null", True),
        ('buyer.email_domain != "example.com"', False),  # missing compares false, like SQL
        ("buyer.email_domain != null", False),
        ("ship_to.country != null", True),
        ("null == ship_to.country", False),
        ('buyer.email_domain == "example.com"', False),
        ("not customer.first_seen", False),
        ("customer.first_seen or score > 99", True),
        ('listed("vip", payment.card_country)', True),
        ('listed("vip", ship_to.country)', False),
        ('lower(ship_to.country) == "de"', True),
        ("len(ship_to.country) == 2", True),
        ("max(score, fraud.score) == 72.5", True),
        ("-score < 0", True),
        ("ship_to.country > 3", False),  # mixed types compare false instead of raising
        ('signal("fraud.score") == 72.5', True),
        ('starts_with(payment.card_country, "N")', True),
        ('(score > 90 or fraud.score > 70) and not has("lists.allow")', True),
    ],
)
def test_expressions(expr: str, expected: Any) -> None:
    assert value(expr) == expected


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("rule x: review when score >", "1:28", "incomplete"),
        ("rule x: review when scor > 3", "1:21", "did you mean score"),
        ("rule x: review when fraud.scroe > 3", "1:21", "did you mean fraud.score"),
        ("rule x: review when nope(1)", "1:21", "unknown function"),
        ("rule x: review when has(1, 2)", "1:21", "takes 1 argument"),
        ('rule x: review when ship_to.country in region("Narnia")', "1:40", "Narnia"),
        ("rule x: frobnicate when score > 1", "1:9", "unexpected"),
        (
            'policy "p"\n\nrule a: review when score > 1\nrule a: hold when score > 2',
            "4:1",
            "used twice",
        ),
        ("gate g: decline, add 3 when score > 1", "1:16", "unexpected"),
        ("thresholds review 50, hold 40", "thresholds", "review <= hold"),
        ('rule x: review when __import__("os")', "1:21", "unknown function"),
        ("rule x: review when order.__class__ == 1", "1:21", "unknown name"),
        ("rule x: review when score > 1 $", "1:31", "unexpected character"),
        ("rule x: review when score > null", "1:21", "null can only be compared"),
    ],
)
def test_errors_say_where(source: str, where: str, message: str) -> None:
    with pytest.raises(PolicySyntaxError) as err:
        compile_policy(source, known_signals={"fraud.score"})
    assert err.value.where == where
    assert message in err.value.message


def test_continuation_lines_and_comments() -> None:
    p = compile_policy(
        '# header comment\npolicy "x"\nrule a: review, require request_3ds\n'
        "    when score > 1   # trailing\n    and score < 100\n\nrule b: add 5 when true\n",
        known_signals=set(),
    )
    assert [r.name for r in p.rules] == ["a", "b"]
    assert p.rules[0].fires(FACTS)


def run(source: str, facts: Facts = FACTS, degraded: bool = False) -> Any:
    return apply_policy(compile_policy(source, {"fraud.score"}), facts, degraded=degraded)


@pytest.mark.parametrize(
    ("source", "outcome", "score"),
    [
        ("thresholds review 30, hold 50, decline 80", Outcome.REVIEW, 40.0),
        ("thresholds review 50, hold 60, decline 80", Outcome.APPROVE, 40.0),
        ("rule bump: add 25 when fraud.score > 70", Outcome.REVIEW, 65.0),
        ("rule bump: add 60 when true", Outcome.DECLINE, 100.0),  # clamped at 100
        ("rule calm: subtract 50 when true", Outcome.APPROVE, 0.0),
        ('rule h: hold when has("screening")', Outcome.HOLD, 40.0),
        # approve overrides thresholds and rules...
        ("rule h: hold when true\nrule ok: approve when true", Outcome.APPROVE, 40.0),
        # ...but never a gate
        ("gate g: review when true\nrule ok: approve when true", Outcome.REVIEW, 40.0),
        ("gate g: decline when true\ngate h: hold when true", Outcome.DECLINE, 40.0),
    ],
)
def test_outcome_precedence(source: str, outcome: Outcome, score: float) -> None:
    result = run(source)
    assert (result.outcome, result.score) == (outcome, score)


def test_degraded_never_auto_approves() -> None:
    assert run("thresholds review 90, hold 95, decline 99", degraded=True).outcome is Outcome.REVIEW


def test_actions_and_hits_explain_the_result() -> None:
    r = run('rule a: require request_3ds, add 1 when true because "step up"')
    assert r.actions == ["request_3ds"]
    assert r.hits[0].rule == "a" and r.hits[0].explanation == "step up"
    assert r.hits[0].effect == "require request_3ds, add 1"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_the_compiler(text: str) -> None:
    try:
        compile_policy(text, known_signals=set())
    except PolicySyntaxError as exc:
        assert exc.where


def test_docs_list_every_field_and_function() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "policies.md").read_text()
    for name in [*FIELDS, *FUNCTIONS]:
        assert f"`{name}" in doc, f"docs/policies.md does not document {name}"
