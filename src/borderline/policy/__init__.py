"""Policy language: compile readable rules to a safe expression tree, evaluate, backtest."""

from importlib import resources

from borderline.policy.evaluate import (
    PolicyResult,
    apply_policy,
    combine_scores,
    listed_in,
    order_fields,
    policy_facts,
)
from borderline.policy.language import (
    FIELDS,
    FUNCTIONS,
    CompiledPolicy,
    CompiledRule,
    Facts,
    compile_policy,
)


def default_policy_source() -> str:
    return (resources.files("borderline.policy") / "default.policy").read_text(encoding="utf-8")


__all__ = [
    "FIELDS",
    "FUNCTIONS",
    "CompiledPolicy",
    "CompiledRule",
    "Facts",
    "PolicyResult",
    "apply_policy",
    "combine_scores",
    "compile_policy",
    "default_policy_source",
    "listed_in",
    "order_fields",
    "policy_facts",
]
