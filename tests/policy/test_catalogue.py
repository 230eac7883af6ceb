"""Finding-code catalogues: a policy may only name codes an installed assessor can emit."""

from __future__ import annotations

import pytest

from borderline.engine import AssessContext, Engine, discover_assessors
from borderline.errors import PolicySyntaxError
from borderline.policy import compile_policy, default_policy_source
from borderline.policy.catalogue import FindingCatalogue
from borderline.samples import generate_orders
from borderline.service import parse_order

CAT = FindingCatalogue.build(
    [
        ("trade", {"trade.embargo.destination": "", "trade.restricted.dual_use": ""}),
        ("fraud", {"fraud.model.score": "", "fraud.reason.*": ""}),
        ("plugin", None),  # declares no catalogue: everything under its name
    ]
)


@pytest.mark.parametrize(
    ("pattern", "known"),
    [
        ("trade", True),
        ("trade.embargo", True),
        ("trade.embargo.destination", True),
        ("trade.restricted.prohibited", False),  # the old default policy's dead gate
        ("trade.embargo.destination.x", False),
        ("trade.*.dual_use", True),
        ("trade.hs.*", False),
        ("fraud.reason.velocity.card", True),
        ("fraud.reason", True),
        ("plugin.anything.at.all", True),
        ("plugin", True),
        ("plugins.x", False),
        ("engine.assessor_failed", True),
        ("screening.sanctions", False),
    ],
)
def test_catalogue_names(pattern: str, known: bool) -> None:
    assert CAT.names(pattern) is known


def test_policy_check_refuses_a_code_no_assessor_emits() -> None:
    src = 'policy "p"\ngate g: hold when has("trade.restricted.prohibited")\n'
    with pytest.raises(PolicySyntaxError) as exc:
        compile_policy(src, known_codes=CAT)
    assert exc.value.where == "2:19"
    assert "trade.restricted.prohibited" in exc.value.message
    assert "never fire" in exc.value.message
    # without a catalogue (an active policy being loaded) it still compiles
    compile_policy(src)


@pytest.mark.parametrize("fn", ["has", "count", "max_score"])
def test_every_code_function_is_checked(fn: str) -> None:
    with pytest.raises(PolicySyntaxError):
        compile_policy(f'rule r: add 1 when {fn}("fraud.modle") > 0\n', known_codes=CAT)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(discover_assessors())


def test_the_default_policy_names_only_real_codes(engine: Engine) -> None:
    engine.check_policy(default_policy_source())


def test_builtin_assessors_emit_only_catalogued_codes(engine: Engine) -> None:
    """Run every installed assessor on sample orders: each code it emits is in the catalogue."""
    seen: set[str] = set()
    for payload in generate_orders(40, seed=21):
        d = engine.assess(parse_order(payload), AssessContext())
        seen |= {f.code for f in d.findings}
    unknown = {c for c in seen if not engine.codes.names(c)}
    assert not unknown
    assert any(c.startswith("trade.") for c in seen)


def test_policy_check_cli_lists_codes() -> None:
    from typer.testing import CliRunner

    from borderline.cli import app

    r = CliRunner().invoke(app, ["policy", "codes", "trade.embargo"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("trade.embargo.destination\t")
