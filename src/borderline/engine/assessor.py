"""The assessor contract every risk domain implements, and the context it is handed.

An assessor is a small, picklable object: ``assess(order, ctx)`` returns findings and must not
write anywhere. Whatever it needs from the outside world (a customer's history, block lists,
reference data) arrives through ``ctx`` as a narrow protocol, so the same assessor runs in the
API, the CLI, a test and a Spark task.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol, runtime_checkable

from borderline.model import CustomerHistory, Finding, ListHit, Order


class HistoryProvider(Protocol):
    def customer(self, key: str, before: datetime) -> CustomerHistory: ...


class ListProvider(Protocol):
    """Block/allow list lookups. ``kind`` is email, card, device, ip, address, country…"""

    def lookup(self, kind: str, value: str) -> Sequence[ListHit]: ...


class _NoHistory:
    def customer(self, key: str, before: datetime) -> CustomerHistory:
        return CustomerHistory()


class _NoLists:
    def lookup(self, kind: str, value: str) -> Sequence[ListHit]:
        return ()


@dataclass(slots=True)
class AssessContext:
    """What an assessment may consult. Defaults are empty, for tests and pure batch runs."""

    history: HistoryProvider = field(default_factory=_NoHistory)
    lists: ListProvider = field(default_factory=_NoLists)
    now: datetime | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # What an assessor used for *this* order that the assessor's own version does not say —
    # the fraud model version, a classifier backend: ``ctx.versions["model.fraud"] = "v3"``.
    # The engine starts each assessment with an empty dict and copies it into
    # ``Decision.versions``, so a decision names the model that scored it.
    versions: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Assessor(Protocol):
    name: str
    version: str

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]: ...

    def assess_many(self, orders: Sequence[Order], ctx: AssessContext) -> list[list[Finding]]: ...


class BaseAssessor(ABC):
    """Convenience base: subclasses set ``name``, ``version``, ``defaults`` and ``assess``.

    ``defaults`` documents every config key with its default; ``config`` merges user values
    over them and rejects unknown keys so a typo in a setting is an error, not a silent no-op.
    ``signals`` names the values this assessor exposes to policies, with a description each.
    ``finding_codes`` is the catalogue of finding codes it can emit (code -> meaning; ``*``
    stands for one varying segment): ``policy check`` refuses rules naming any other code.
    Optional for plugins: without it every code under the assessor's name is accepted.
    """

    name: ClassVar[str] = "base"
    version: ClassVar[str] = "0"
    defaults: ClassVar[Mapping[str, Any]] = {}
    signals: ClassVar[Mapping[str, str]] = {}
    finding_codes: ClassVar[Mapping[str, str]] = {}

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        unknown = set(config or {}) - set(self.defaults)
        if unknown:
            from borderline.errors import InvalidInput

            raise InvalidInput(
                f"unknown setting(s) {sorted(unknown)}; known: {sorted(self.defaults)}",
                where=f"assessors.{self.name}",
            )
        self.config: dict[str, Any] = {**self.defaults, **(config or {})}

    @abstractmethod
    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        """Return the findings for one order; never write anywhere."""

    def assess_many(self, orders: Sequence[Order], ctx: AssessContext) -> list[list[Finding]]:
        return [self.assess(o, ctx) for o in orders]

    def finding(self, code: str, explanation: str, **kw: Any) -> Finding:
        return Finding(
            code=code,
            explanation=explanation,
            assessor=self.name,
            source=kw.pop("source", f"{self.name}@{self.version}"),
            **kw,
        )


def money(value: Decimal) -> float:
    """Amounts enter statistics as floats; the order itself keeps Decimals."""
    return float(value)
