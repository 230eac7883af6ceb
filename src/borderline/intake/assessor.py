"""The ``intake`` assessor: puts a storefront order's mapping gaps in the decision's evidence.

An order that came through ``POST /v1/intake/<platform>`` carries, in
``metadata.intake.gaps``, each field the platform's payload did not give (no card country,
no HS code on a line item...). This assessor reports them as one informational finding so
an analyst reading the decision sees what Borderline did *not* know, field by field. It adds
no score: a missing field is not a risk by itself; the policy may act on it
(``intake.gaps > 3``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from borderline.engine import AssessContext, BaseAssessor
from borderline.model import Finding, Order


class IntakeAssessor(BaseAssessor):
    name: ClassVar[str] = "intake"
    version: ClassVar[str] = "1.0"
    signals: ClassVar[dict[str, str]] = {
        "intake.gaps": "number of order fields the storefront's webhook did not carry",
    }

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        intake: Any = order.metadata.get("intake")
        if not isinstance(intake, dict):
            return []
        gaps = [g for g in intake.get("gaps") or [] if isinstance(g, dict)]
        platform = str(intake.get("platform") or "storefront")
        fields = ", ".join(str(g.get("field")) for g in gaps[:6]) + (
            f" and {len(gaps) - 6} more" if len(gaps) > 6 else ""
        )
        return [
            self.finding(
                "intake.mapping.gaps",
                f"{len(gaps)} field(s) not in the {platform} webhook: {fields}"
                if gaps
                else f"every mapped field was in the {platform} webhook",
                evidence={
                    "platform": platform,
                    "external_id": intake.get("external_id"),
                    "gaps": {str(g.get("field")): str(g.get("reason")) for g in gaps},
                },
                signals={"intake.gaps": len(gaps)},
            )
        ]
