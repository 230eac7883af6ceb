"""The engine: run every assessor on an order, apply the policy, explain the decision.

A pure object (assessors + compiled policy), picklable, so the same code runs in the API, the
CLI and a Spark task. Storage, idempotency and the ledger live in ``borderline.decisions``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import borderline
from borderline.engine.assessor import AssessContext, Assessor
from borderline.errors import InvalidInput
from borderline.model import Decision, Finding, Order, Reason, Severity
from borderline.policy.catalogue import FindingCatalogue
from borderline.policy.evaluate import apply_policy, listed_in, policy_facts
from borderline.policy.language import CompiledPolicy, compile_policy

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "borderline.assessors"


def make_assessor(cls: Any, config: Any = None, data_dir: Path | None = None) -> Any:
    """One assessor from its class and settings (``None``: its defaults).

    An assessor that keeps files of its own (the fraud model registry) says so with
    ``uses_data_dir = True`` and receives the application's data folder as the keyword
    ``data_dir``; nothing else reads where the data folder is.
    """
    kwargs: dict[str, Any] = {}
    if data_dir is not None and getattr(cls, "uses_data_dir", False):
        kwargs["data_dir"] = data_dir
    return cls(config, **kwargs) if config is not None else cls(**kwargs)


def discover_assessors(
    names: Iterable[str] | None = None,
    config: dict[str, dict[str, Any]] | None = None,
    *,
    data_dir: Path | None = None,
) -> list[Assessor]:
    """Instantiate assessors registered under the ``borderline.assessors`` entry point group.

    Built-ins register exactly like third-party plugins do. ``names`` selects and orders them;
    ``data_dir`` is the data folder handed to assessors that keep files (``make_assessor``).
    """
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    wanted = list(names) if names is not None else sorted(found)
    missing = [n for n in wanted if n not in found]
    if missing:
        raise InvalidInput(
            f"no assessor named {missing}; installed: {sorted(found)}", where="assessors"
        )
    out: list[Assessor] = []
    for name in wanted:
        out.append(make_assessor(found[name].load(), (config or {}).get(name), data_dir))
    return out


def declared_signals(assessors: Sequence[Assessor]) -> dict[str, str]:
    signals: dict[str, str] = {}
    for a in assessors:
        signals.update(getattr(a, "signals", {}) or {})
    return signals


def declared_codes(assessors: Sequence[Assessor]) -> FindingCatalogue:
    """The finding codes the assessors can emit (see ``BaseAssessor.finding_codes``)."""
    return FindingCatalogue.build((a.name, getattr(a, "finding_codes", None)) for a in assessors)


class Engine:
    def __init__(
        self,
        assessors: Sequence[Assessor] | None = None,
        policy: CompiledPolicy | str | None = None,
        policy_version: str = "builtin",
    ) -> None:
        self.assessors = list(assessors) if assessors is not None else discover_assessors()
        self.signals = declared_signals(self.assessors)
        self.codes = declared_codes(self.assessors)
        self.policy_version = policy_version
        # the stored engine configuration the assessors were built from (None: defaults)
        self.config_version: str | None = None
        if policy is None:
            from borderline.policy import default_policy_source

            policy = default_policy_source()
        self.policy = compile_policy(policy, self.signals) if isinstance(policy, str) else policy

    # The compiled policy is a tree of closures, which pickle cannot carry: ship the source and
    # compile it again on the other side (a Spark executor, a worker process).
    def __getstate__(self) -> dict[str, Any]:
        return {
            "assessors": self.assessors,
            "policy_source": self.policy.source,
            "policy_version": self.policy_version,
            "config_version": self.config_version,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.assessors = state["assessors"]
        self.signals = declared_signals(self.assessors)
        self.codes = declared_codes(self.assessors)
        self.policy_version = state["policy_version"]
        self.config_version = state.get("config_version")
        self.policy = compile_policy(state["policy_source"], self.signals)

    def with_policy(self, policy: CompiledPolicy, version: str) -> Engine:
        clone = Engine.__new__(Engine)
        clone.assessors, clone.signals, clone.codes = self.assessors, self.signals, self.codes
        clone.policy, clone.policy_version = policy, version
        clone.config_version = self.config_version
        return clone

    def check_policy(self, source: str) -> CompiledPolicy:
        """Compile strictly: unknown names *and* finding codes no assessor emits are errors."""
        return compile_policy(source, self.signals, self.codes)

    def versions(self) -> dict[str, str]:
        v = {
            "engine": borderline.__version__,
            "policy": f"{self.policy.name}@{self.policy_version}",
        }
        if self.config_version:
            v["config"] = self.config_version
        v.update({f"assessor.{a.name}": a.version for a in self.assessors})
        return v

    def run_assessors(
        self, order: Order, ctx: AssessContext
    ) -> tuple[list[Finding], dict[str, float], bool]:
        findings: list[Finding] = []
        timings: dict[str, float] = {}
        degraded = False
        for a in self.assessors:
            t0 = time.perf_counter()
            try:
                findings.extend(a.assess(order, ctx))
            except Exception as exc:
                log.exception("assessor %s failed on order %s", a.name, order.id)
                degraded = True
                findings.append(
                    Finding(
                        code="engine.assessor_failed",
                        severity=Severity.MEDIUM,
                        score=0,
                        explanation=f"assessor {a.name} failed: {type(exc).__name__}",
                        evidence={"assessor": a.name, "error": type(exc).__name__},
                        actions=["manual_review"],
                        assessor="engine",
                        source=f"{a.name}@{a.version}",
                    )
                )
            timings[a.name] = round((time.perf_counter() - t0) * 1000, 3)
        return findings, timings, degraded

    def decide(
        self,
        order: Order,
        ctx: AssessContext,
        findings: list[Finding],
        timings: dict[str, float],
        degraded: bool,
        listed: Any = None,
    ) -> Decision:
        t0 = time.perf_counter()
        history = ctx.history.customer(order.customer_key, order.created_at)
        facts = policy_facts(order, history, findings, listed or listed_in(ctx.lists))
        signals = dict(facts.signals)
        result = apply_policy(self.policy, facts, degraded=degraded)
        actions = list(result.actions)
        for f in findings:
            for act in f.actions:
                if act not in actions:
                    actions.append(act)
        timings["policy"] = round((time.perf_counter() - t0) * 1000, 3)
        reasons = [
            Reason(
                code=f.code,
                severity=f.severity,
                contribution=f.score,
                explanation=f.explanation,
                assessor=f.assessor,
                source=f.source,
                evidence=f.evidence,
            )
            for f in sorted(findings, key=lambda f: -f.score)
            if f.score > 0 or f.severity not in (Severity.INFO,)
        ]
        return Decision(
            decision_id=f"dec_{uuid.uuid4().hex[:24]}",
            order_id=order.id,
            outcome=result.outcome,
            score=result.score,
            actions=actions,
            reasons=reasons,
            rules=result.hits,
            findings=findings,
            signals=signals,
            versions={**self.versions(), **ctx.versions},
            timings_ms=timings,
            created_at=datetime.now(UTC),
            degraded=degraded,
        )

    def reads_recorded(self, ctx: AssessContext) -> bool:
        """Whether an assessor reads, through ``ctx``, what was recorded for earlier orders
        besides the customer aggregates (the fraud feature store, when a model is in service):
        a batch then stores each order before deciding the next, else the whole batch at once.
        An assessor says so with a ``reads_recorded(ctx)`` method."""
        for a in self.assessors:
            reads = getattr(a, "reads_recorded", None)
            if reads is not None and reads(ctx):
                return True
        return False

    def assess(self, order: Order, ctx: AssessContext | None = None) -> Decision:
        # A fresh per-order versions record; everything else in the context is shared.
        ctx = replace(ctx, versions={}) if ctx is not None else AssessContext()
        t0 = time.perf_counter()
        findings, timings, degraded = self.run_assessors(order, ctx)
        decision = self.decide(order, ctx, findings, timings, degraded)
        decision.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 3)
        return decision
