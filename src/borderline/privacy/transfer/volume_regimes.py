"""The evaluators of regimes that count data subjects: ``cn_pipl`` (exemptions, then the 2024
CAC volume bands counted since 1 January) and ``us_doj`` (28 CFR 202 bulk thresholds over a
rolling 12 months per counterparty, and PADFA). Earlier transfers come from a
``VolumeProvider`` (the data-flow register, or none).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from borderline.errors import InvalidInput
from borderline.privacy.transfer import taxonomy
from borderline.privacy.transfer.model import (
    Action,
    Mechanism,
    Outcome,
)
from borderline.privacy.transfer.regimes import (
    Ctx,
    Regime,
    VolumeProvider,
    add_actions,
    conclude,
    expand,
    in_force,
    purpose_in,
)


def cn_pipl(reg: Regime, ctx: Ctx, volumes: VolumeProvider) -> tuple[Outcome, dict[str, Any]]:
    d, req = reg.data, ctx.req
    sens_keys = d["sensitive_categories"]
    sensitive = bool(req.sensitive_categories) or any(
        taxonomy.overlaps(c, sens_keys) for c in req.data_categories
    )
    if sensitive:
        conclude(
            ctx,
            reg,
            "sensitive",
            "the transfer includes sensitive personal information (financial accounts, "
            "whereabouts, identity numbers or other Art 28 categories)",
            d["sensitive_cite"],
        )
    add_actions(ctx, reg, d["always_actions"], ".always_actions")
    since = date(ctx.on.year, 1, 1)
    prior = volumes.prior_subjects(
        regime=reg.id,
        exporter=req.exporter.name,
        importer=None,
        categories=sens_keys if sensitive else req.data_categories,
        sensitive=sensitive,
        since=since,
        until=ctx.on,
    )
    total = prior + req.data_subjects
    volume = {
        "rule": d["counting"]["rule"],
        "since": since.isoformat(),
        "prior": prior,
        "this_transfer": req.data_subjects,
        "cumulative": total,
        "sensitive": sensitive,
    }
    th = d["thresholds"]
    mech = d["mechanisms"]

    def need(key: str, why: str, cite: dict[str, Any]) -> None:
        conclude(ctx, reg, key, why, cite)
        m = mech[key]
        ctx.mechanisms.append(
            Mechanism(regime=reg.id, id=key, name=m["name"], citation=reg.cite(m["cite"]))
        )
        add_actions(ctx, reg, m.get("actions", []), f".mechanisms.{key}.actions")

    if req.important_data or req.exporter.ciio:
        need(
            "security_assessment",
            "important data or a CIIO exporter: CAC security assessment required at any volume",
            th["security_assessment"]["cite"],
        )
        return "allowed_with_conditions", volume
    if purpose_in(req, d["exempt_purposes"]["purposes"]):
        conclude(
            ctx,
            reg,
            "exempt",
            f"exempt from security assessment, standard contract and "
            f"certification: {d['exempt_purposes']['description']}; notice, separate consent "
            "and PIPIA still apply",
            d["exempt_purposes"]["cite"],
        )
        return "allowed_with_conditions", volume
    sa, sc = th["security_assessment"], th["standard_contract"]
    # "以上" is inclusive (Civil Code Art 1259): 1,000,000 individuals is already in the band.
    if (sensitive and total >= sa["sensitive"]) or (not sensitive and total >= sa["personal"]):
        need(
            "security_assessment",
            f"{total:,} individuals cumulative since {since}: at or above "
            f"the security-assessment threshold ({sa['sensitive']:,} sensitive / "
            f"{sa['personal']:,} personal)",
            sa["cite"],
        )
    elif (sensitive and total >= sc["sensitive"]) or (not sensitive and total >= sc["personal"]):
        need(
            "standard_contract",
            f"{total:,} individuals cumulative since {since}: standard "
            "contract (filed) or certification",
            sc["cite"],
        )
        gba = mech.get("gba_standard_contract")
        if gba and ctx.importer & expand(gba["destinations"]):
            ctx.mechanisms.append(
                Mechanism(
                    regime=reg.id,
                    id="gba_standard_contract",
                    name=gba["name"],
                    citation=reg.cite(gba["cite"]),
                )
            )
        cert = mech["certification"]
        if in_force(cert, ctx.on):
            ctx.mechanisms.append(
                Mechanism(
                    regime=reg.id,
                    id="certification",
                    name=cert["name"],
                    citation=reg.cite(cert["cite"]),
                )
            )
    else:
        conclude(
            ctx,
            reg,
            "below_thresholds",
            f"{total:,} individuals' non-sensitive PI "
            f"cumulative since {since}: below 100,000, no security assessment, standard "
            "contract or certification needed",
            sc["cite"],
        )
    return "allowed_with_conditions", volume


def us_doj(reg: Regime, ctx: Ctx, volumes: VolumeProvider) -> tuple[Outcome, dict[str, Any] | None]:
    d, req = reg.data, ctx.req
    if not in_force(d, ctx.on):
        return "allowed", None
    coc = expand(d["countries_of_concern"])
    in_coc = bool(ctx.importer & coc)
    if req.country_of_concern is False and in_coc:
        raise InvalidInput(
            f"{req.importer_country} is a country of concern under 28 CFR 202.211; "
            "country_of_concern=false contradicts it",
            where="country_of_concern",
        )
    concern = in_coc or bool(req.country_of_concern) or req.importer.covered_person
    outcome: Outcome = "allowed"
    padfa = expand(d["padfa_countries"])
    if (
        req.exporter.kind == "data_broker" or req.transaction == "data_brokerage"
    ) and ctx.importer & padfa:
        conclude(
            ctx,
            reg,
            "padfa_prohibited",
            "a data broker may not make personally "
            "identifiable sensitive data of US individuals available to this country "
            "(no volume threshold)",
            d["padfa_cite"],
        )
        outcome = "prohibited"
    if not concern:
        return outcome, None
    conclude(
        ctx,
        reg,
        "country_of_concern",
        "importer is in a country of concern or a covered person",
        d["countries_of_concern_cite"],
    )

    # A broad input category may hold a narrower bulk category (conservative), except for the
    # 'omic prohibition, which needs the data to be 'omic data, not merely health data.
    def has(b: dict[str, Any]) -> bool:
        if b.get("prohibited_any_access"):
            return any(taxonomy.within(c, f) for c in req.data_categories for f in b["fideslang"])
        return any(taxonomy.overlaps(c, b["fideslang"]) for c in req.data_categories)

    present = [b for b in d["bulk"] if has(b)]
    if not present:
        return outcome, None
    since = ctx.on - timedelta(days=365)
    cats = [c for b in present for c in b["fideslang"]]
    prior = volumes.prior_subjects(
        regime=reg.id,
        exporter=req.exporter.name,
        importer=req.importer.name,
        categories=cats,
        sensitive=None,
        since=since,
        until=ctx.on,
    )
    total = prior + req.data_subjects
    # Combined data takes the lowest applicable threshold; bulk means strictly more than it.
    threshold = min(b["more_than"] for b in present)
    volume = {
        "rule": d["counting"]["rule"],
        "since": since.isoformat(),
        "prior": prior,
        "this_transfer": req.data_subjects,
        "cumulative": total,
        "threshold": threshold,
        "categories": [b["category"] for b in present],
        "bulk": total > threshold,
    }
    if any(b.get("prohibited_any_access") for b in present) and total > threshold:
        conclude(
            ctx,
            reg,
            "omic_prohibited",
            "access to bulk human 'omic data by a country of concern is prohibited",
            d["bulk_cite"],
        )
        return "prohibited", volume
    if total <= threshold:
        conclude(
            ctx,
            reg,
            "below_bulk",
            f"{total:,} US persons in the preceding 12 months with "
            f"this counterparty: not more than the bulk threshold {threshold:,}",
            d["bulk_cite"],
        )
        return outcome, volume
    if purpose_in(req, d["exempt_purposes"]["purposes"]):
        conclude(
            ctx, reg, "exempt", d["exempt_purposes"]["description"], d["exempt_purposes"]["cite"]
        )
        return outcome, volume
    conclude(
        ctx,
        reg,
        "bulk",
        f"{total:,} US persons in the preceding 12 months: bulk "
        f"({', '.join(volume['categories'])}; threshold {threshold:,})",
        d["bulk_cite"],
    )
    if req.transaction == "data_brokerage":
        conclude(
            ctx,
            reg,
            "brokerage_prohibited",
            "data brokerage of bulk US sensitive personal "
            "data with a country of concern is prohibited",
            d["bulk_cite"],
        )
        return "prohibited", volume
    if req.transaction in d["restricted_transactions"]:
        conclude(
            ctx,
            reg,
            "restricted",
            f"{req.transaction} agreement: a restricted transaction, "
            "allowed only under the CISA security requirements",
            d["restricted_cite"],
        )
        ctx.actions.append(
            Action(
                regime=reg.id,
                action="Implement the CISA security requirements "
                "and the due-diligence, audit and reporting programme",
                deadline="before the transaction",
                document="compliance program",
                citation=reg.cite(d["restricted_cite"]),
            )
        )
        return "allowed_with_conditions" if outcome != "prohibited" else outcome, volume
    conclude(
        ctx,
        reg,
        "review",
        "bulk sensitive data to a country of concern outside the "
        "restricted-transaction categories: treat as prohibited until counsel clears it",
        d["bulk_cite"],
    )
    return "prohibited", volume
