"""The engine's privacy assessor: each personal-data transfer an order declares is run through
the transfer rules engine and reported as ``privacy.transfer.*`` findings.

Pure and picklable: volume counters come through ``ctx.extras["privacy.volumes"]`` (a
``VolumeProvider``, e.g. ``privacy.store.DbVolumes``) when the caller has a register; without
one, each transfer is judged on its own declared number of data subjects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import InvalidInput
from borderline.model import DataTransfer, Finding, Order, Severity
from borderline.privacy.transfer.engine import assess_transfer
from borderline.privacy.transfer.model import OUTCOME_RANK, TransferAssessment, TransferRequest

_ALIASES = {
    "scc": ("scc", "standard contractual", "2021/914", "idta", "addendum"),
    "adequacy": ("adequacy", "dpf", "data privacy framework", "data bridge"),
    "bcr": ("bcr", "binding corporate", "binding common"),
    "standard_contract": ("standard contract", "标准合同"),
    "security_assessment": ("security assessment", "安全评估"),
    "certification": ("certification", "cbpr", "prp", "认证"),
}


def _declared_matches(declared: str | None, result: TransferAssessment) -> bool:
    if not declared:
        return False
    d = declared.casefold()
    for m in result.mechanisms:
        words = _ALIASES.get(m.id, (m.id.replace("_", " "),))
        if any(w in d for w in words) or m.id.split(":")[-1] in d:
            return True
    return False


def to_request(t: DataTransfer, order: Order) -> TransferRequest:
    return TransferRequest(
        exporter_country=t.exporter_country,
        importer_country=t.importer_country,
        exporter={"name": order.merchant_id},
        importer={
            "name": t.importer.name,
            "kind": t.importer.kind,
            "certifications": t.importer.certifications,
        },
        data_categories=t.data_categories,
        sensitive_categories=t.data_categories if t.sensitive else [],
        data_subjects=t.data_subjects,
        purpose=t.purpose,
        mechanism=t.mechanism,
        # Selling or licensing access to the data is "data brokerage" (28 CFR 202.214).
        transaction="data_brokerage" if t.importer.kind == "data_broker" else None,
        date=order.created_at.date(),
    )


class PrivacyAssessor(BaseAssessor):
    name: ClassVar[str] = "privacy"
    version: ClassVar[str] = "1.0"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "privacy.transfer.invalid_input": "a declared personal-data transfer could not be read",
        "privacy.transfer.prohibited": "the transfer is prohibited by the exporting regime",
        "privacy.transfer.invalid_mechanism": "the declared transfer mechanism is not valid here",
        "privacy.transfer.localisation": "the data must stay in the country (localisation)",
        "privacy.transfer.no_mechanism": "no transfer mechanism covers the transfer",
        "privacy.transfer.conditions": "the transfer is allowed under conditions not yet met",
        "privacy.transfer.allowed": "the transfer is allowed",
        "privacy.transfer.summary": "privacy signals (no score)",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "prohibited_score": 90.0,  # a transfer the rules prohibit
        "no_mechanism_score": 40.0,  # conditions apply and no declared mechanism meets them
        "invalid_mechanism_score": 25.0,  # the declared mechanism is not a transfer tool
        "localisation_score": 20.0,  # a localisation duty applies to the data
        "invalid_input_score": 15.0,  # the declared transfer cannot be assessed as given
    }
    signals: ClassVar[Mapping[str, str]] = {
        "privacy.transfers": "number of personal-data transfers the order declares",
        "privacy.worst_outcome": "0 allowed, 1 allowed with conditions, 2 prohibited",
        "privacy.unmet_conditions": "transfers needing a mechanism the order does not declare",
    }

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        c = self.config
        volumes = ctx.extras.get("privacy.volumes")
        out: list[Finding] = []
        worst, unmet = 0, 0
        for i, t in enumerate(order.data_transfers):
            where = f"data_transfers[{i}]"
            flow = f"{t.exporter_country}->{t.importer_country} ({t.importer.name})"
            try:
                result = assess_transfer(to_request(t, order), volumes=volumes)
            except (InvalidInput, ValueError) as exc:
                out.append(
                    self.finding(
                        "privacy.transfer.invalid_input",
                        f"{flow}: cannot be assessed: {exc}",
                        severity=Severity.MEDIUM,
                        score=c["invalid_input_score"],
                        evidence={"transfer": where},
                        actions=["manual_review"],
                    )
                )
                continue
            rank = OUTCOME_RANK[result.outcome]
            worst = max(worst, rank)
            codes = {x.code for x in result.conclusions}
            evidence: dict[str, Any] = {
                "transfer": where,
                "outcome": result.outcome,
                "advisory": result.advisory,
                "regimes": [r.regime for r in result.regimes],
                "mechanisms": sorted({m.name for m in result.mechanisms}),
                "actions": [f"{a.action} ({a.deadline})" for a in result.actions],
                "citations": sorted(
                    {f"{x.citation.title}, {x.citation.article}" for x in result.conclusions}
                ),
            }
            if result.outcome == "prohibited":
                why = next(
                    x.text
                    for x in result.conclusions
                    if x.code.endswith("prohibited") or x.code == "review"
                )
                out.append(
                    self.finding(
                        "privacy.transfer.prohibited",
                        f"{flow}: prohibited: {why}",
                        severity=Severity.CRITICAL,
                        score=c["prohibited_score"],
                        evidence=evidence,
                        actions=["manual_review"],
                    )
                )
                continue
            if "declared_mechanism_invalid" in codes:
                out.append(
                    self.finding(
                        "privacy.transfer.invalid_mechanism",
                        f"{flow}: declared mechanism {t.mechanism!r} is not a transfer tool",
                        severity=Severity.MEDIUM,
                        score=c["invalid_mechanism_score"],
                        evidence=evidence,
                        actions=["request_documents"],
                    )
                )
            if "localisation" in codes:
                out.append(
                    self.finding(
                        "privacy.transfer.localisation",
                        f"{flow}: a data-localisation duty applies before the transfer",
                        severity=Severity.MEDIUM,
                        score=c["localisation_score"],
                        evidence=evidence,
                    )
                )
            # A tool is needed where no adequacy covers the flow, or China's volume bands
            # require a standard contract or security assessment.
            needs_tool = bool(codes & {"no_adequacy", "standard_contract", "security_assessment"})
            if (
                result.outcome == "allowed_with_conditions"
                and needs_tool
                and not (_declared_matches(t.mechanism, result))
            ):
                unmet += 1
                out.append(
                    self.finding(
                        "privacy.transfer.no_mechanism",
                        f"{flow}: needs one of {', '.join(evidence['mechanisms'])}; the order "
                        f"declares {t.mechanism or 'none'}",
                        severity=Severity.HIGH,
                        score=c["no_mechanism_score"],
                        evidence=evidence,
                        actions=["request_documents"],
                    )
                )
            elif result.outcome == "allowed_with_conditions":
                out.append(
                    self.finding(
                        "privacy.transfer.conditions",
                        f"{flow}: allowed with conditions: " + "; ".join(evidence["actions"][:3]),
                        severity=Severity.LOW,
                        score=0.0,
                        evidence=evidence,
                    )
                )
            else:
                out.append(
                    self.finding(
                        "privacy.transfer.allowed",
                        f"{flow}: allowed ({', '.join(evidence['mechanisms']) or 'no transfer'})",
                        evidence=evidence,
                    )
                )
        if order.data_transfers:
            out.append(
                self.finding(
                    "privacy.transfer.summary",
                    f"{len(order.data_transfers)} personal-data transfer(s) assessed",
                    signals={
                        "privacy.transfers": len(order.data_transfers),
                        "privacy.worst_outcome": worst,
                        "privacy.unmet_conditions": unmet,
                    },
                )
            )
        return out
