"""Which finding codes the installed assessors can emit, so a policy cannot name one they can't.

A rule such as ``hold when has("trade.restricted.prohibited")`` compiles whatever the text says;
if no assessor ever emits that code the gate can never fire, silently. Each assessor declares
its catalogue (``finding_codes``: code -> meaning; a ``*`` segment stands for a value that
varies, like the list a sanctions hit came from; a trailing ``*`` covers deeper codes too).
An assessor that declares none (a plugin written before catalogues existed) is trusted for
every code under its own name, so old plugins keep working while the built-ins are checked
exactly.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Codes the engine itself emits, whatever assessors are installed.
ENGINE_CODES: dict[str, str] = {
    "engine.assessor_failed": "an assessor raised an error; the decision is degraded",
}


def _segments_match(prefix: list[str], code: list[str]) -> bool:
    """A plain prefix ``a.b`` names code ``a.b`` and everything below it.

    A ``*`` segment in a catalogue code stands for one varying segment; a trailing ``*`` for
    one or more (``fraud.reason.*`` covers ``fraud.reason.velocity.card``).
    """
    if len(prefix) > len(code):
        if not code or code[-1] != "*":
            return False
        prefix = prefix[: len(code)]
    return all(fnmatch.fnmatchcase(p, c) or c == "*" for p, c in zip(prefix, code, strict=False))


@dataclass(frozen=True)
class FindingCatalogue:
    """Codes (``*`` = one varying segment) and open prefixes of assessors without a catalogue."""

    codes: Mapping[str, str]
    open_prefixes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def build(cls, declared: Iterable[tuple[str, Mapping[str, str] | None]]) -> FindingCatalogue:
        codes: dict[str, str] = dict(ENGINE_CODES)
        open_: set[str] = set()
        for name, catalogue in declared:
            if catalogue:
                codes.update(catalogue)
            else:
                open_.add(name)
        return cls(codes, frozenset(open_))

    def names(self, pattern: str) -> bool:
        """True when some code an installed assessor can emit matches ``pattern``.

        ``pattern`` is what ``has()``, ``count()`` and ``max_score()`` take: a plain prefix or
        a glob (``*?[``).
        """
        glob = any(c in pattern for c in "*?[")
        if glob:
            # A sample code for each catalogue entry: its varying segments as a plain word.
            if any(fnmatch.fnmatchcase(c.replace("*", "x"), pattern) for c in self.codes):
                return True
            fixed = pattern.split("*")[0].split("?")[0].split("[")[0]
            return any(fixed.startswith(o + ".") or (o + ".").startswith(fixed)
                       for o in self.open_prefixes)  # fmt: skip
        segs = pattern.split(".")
        if any(_segments_match(segs, c.split(".")) for c in self.codes):
            return True
        return any(pattern == o or pattern.startswith(o + ".") for o in self.open_prefixes)

    def suggest(self, pattern: str) -> list[str]:
        return difflib.get_close_matches(pattern, list(self.codes), n=3, cutoff=0.5)
