"""The transfer rules engine: versioned YAML rules in, an explained, cited answer out.

Each regime file in ``rules/`` says which exporters it governs and what it requires. Three
kinds of evaluator read them: ``chapter_v`` (adequacy, then safeguards, then derogations, with
localisation duties and always-required actions: EU, UK, CH, JP, KR, BR, SG, VN, ID, SA, RU,
IN), ``cn_pipl`` (exemptions, then the 2024 CAC volume bands counted since 1 January) and
``us_doj`` (28 CFR 202 bulk thresholds over a rolling 12 months per counterparty, and PADFA).
Every conclusion carries a citation; facts tagged [V] in the fact sheet are binding, the rest
are flagged advisory.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from borderline.errors import InvalidInput, from_validation
from borderline.privacy.transfer import taxonomy
from borderline.privacy.transfer.model import (
    OUTCOME_RANK,
    Mechanism,
    Outcome,
    RegimeResult,
    TransferAssessment,
    TransferRequest,
)
from borderline.privacy.transfer.regimes import (
    Ctx,
    NoHistory,
    Regime,
    VolumeProvider,
    add_actions,
    conclude,
    expand,
    in_force,
    jurisdiction,
    load_regimes,
    purpose_in,
    validate,
)
from borderline.privacy.transfer.volume_regimes import cn_pipl, us_doj

__all__ = ["VolumeProvider", "assess_transfer", "jurisdiction", "load_regimes"]


# ------------------------------------------------------------------ evaluators


def _chapter_v(reg: Regime, ctx: Ctx) -> Outcome:
    d, req = reg.data, ctx.req
    outcome: Outcome = "allowed"
    sens = [
        c for c in req.data_categories if taxonomy.overlaps(c, d.get("sensitive_categories", []))
    ]
    if sens and d.get("sensitive_cite"):
        conclude(
            ctx,
            reg,
            "sensitive",
            f"categories {sens} are sensitive under this regime",
            d["sensitive_cite"],
        )
    for loc in d.get("localisation", []):
        if any(taxonomy.overlaps(c, loc["categories"]) for c in req.data_categories):
            outcome = "allowed_with_conditions"
            conclude(ctx, reg, "localisation", loc["rule"], loc["cite"])
    if d.get("always_actions"):
        outcome = "allowed_with_conditions"
        add_actions(ctx, reg, d["always_actions"], ".always_actions")
    for item in d.get("not_transfer_tools", []):
        if req.mechanism and item["mechanism"].lower() in req.mechanism.lower():
            conclude(ctx, reg, "declared_mechanism_invalid", item["reason"], item["cite"])
    if d.get("open_by_default"):
        conclude(ctx, reg, "open", "no restriction notified for this destination", d["open_cite"])
        return outcome
    certs = {c.casefold() for c in req.importer.certifications}
    for item in d.get("adequacy", []):
        if not (ctx.importer & expand(item["destinations"])) or not in_force(item, ctx.on):
            continue
        need = item.get("requires_certification")
        if need and not certs & {n.casefold() for n in need}:
            conclude(
                ctx,
                reg,
                "adequacy_needs_certification",
                f"{item['instrument']} covers this destination only for importers "
                f"certified under {need[0]}; the importer declares {sorted(certs) or 'none'}",
                item["cite"],
            )
            continue
        excluded = [
            c
            for c in req.data_categories
            if taxonomy.overlaps(c, item.get("excludes_categories", []))
        ]
        if excluded:
            conclude(
                ctx,
                reg,
                "adequacy_excludes",
                f"{item['instrument']} excludes {excluded} ({item.get('condition', '')})",
                item["cite"],
            )
            continue
        text = f"adequacy: {item['instrument']}"
        if item.get("condition"):
            text += f" ({item['condition']})"
        conclude(ctx, reg, "adequacy", text, item["cite"])
        ctx.mechanisms.append(
            Mechanism(
                regime=reg.id,
                id="adequacy",
                name=item["instrument"],
                citation=reg.cite(item["cite"]),
            )
        )
        return outcome
    for item in d.get("certifications", []):
        names = {n.casefold() for n in item["certification"]}
        if certs & names:
            conclude(ctx, reg, "certification", item["name"], item["cite"])
            ctx.mechanisms.append(
                Mechanism(
                    regime=reg.id,
                    id="certification",
                    name=item["name"],
                    citation=reg.cite(item["cite"]),
                )
            )
            return outcome
    # No adequacy: the transfer needs a safeguard (or, narrowly, a derogation).
    outcome = "allowed_with_conditions"
    conclude(
        ctx,
        reg,
        "no_adequacy",
        f"no adequacy or equivalent recognition covers {req.importer_country} for this "
        "importer: a safeguard is required",
        _safeguard_cite(reg),
    )
    importer_kind = "processor" if req.importer.kind == "group_company" else req.importer.kind
    pair = f"{req.exporter.kind}>{importer_kind}"
    usable = [
        (i, s)
        for i, s in enumerate(d.get("safeguards", []))
        if not s.get("for_importer_kind") or req.importer.kind in s["for_importer_kind"]
    ]
    declared = (req.mechanism or "").lower()
    # The actions listed are those of the declared safeguard, else of the first usable one.
    chosen = next((i for i, s in usable if declared and s["id"] in declared), None)
    if chosen is None and usable:
        chosen = usable[0][0]
    for i, s in usable:
        module = (s.get("modules") or {}).get(pair)
        ctx.mechanisms.append(
            Mechanism(
                regime=reg.id,
                id=s["id"],
                name=s["name"],
                module=module,
                citation=reg.cite(s["cite"], f".safeguards[{i}]"),
            )
        )
        if i == chosen:
            add_actions(ctx, reg, s.get("actions", []), f".safeguards[{i}].actions")
    for i, g in enumerate(d.get("derogations", [])):
        if g.get("purposes") and not purpose_in(req, g["purposes"]):
            continue
        ctx.mechanisms.append(
            Mechanism(
                regime=reg.id,
                id=f"derogation:{g['id']}",
                name=g["name"],
                citation=reg.cite(g["cite"], f".derogations[{i}]"),
            )
        )
    return outcome


def assess_transfer(
    req: TransferRequest | dict[str, Any],
    *,
    volumes: VolumeProvider | None = None,
    regimes: tuple[Regime, ...] | None = None,
) -> TransferAssessment:
    """Which regimes govern this flow, whether it may happen, how, and what must be done."""
    if isinstance(req, dict):
        from pydantic import ValidationError

        try:
            req = TransferRequest.model_validate(req)
        except ValidationError as exc:
            raise from_validation(exc, default_where="transfer") from None
    exp, imp = validate(req)
    ctx = Ctx(req, exp, imp, req.date or date.today(), [], [], [], [])
    results: list[RegimeResult] = []
    for reg in regimes or load_regimes():
        if not exp & reg.exporters:
            continue
        if imp <= reg.internal and exp <= reg.internal:
            conclude(
                ctx,
                reg,
                "not_a_transfer",
                f"{req.exporter_country} -> "
                f"{req.importer_country} stays inside the regime's area: not a transfer",
                reg.data.get("internal_cite") or _first_cite(reg),
            )
            results.append(
                RegimeResult(regime=reg.id, name=reg.name, version=reg.version, outcome="allowed")
            )
            continue
        volume = None
        if reg.kind == "chapter_v":
            outcome = _chapter_v(reg, ctx)
        elif reg.kind == "cn_pipl":
            outcome, volume = cn_pipl(reg, ctx, volumes or NoHistory())
        else:
            outcome, volume = us_doj(reg, ctx, volumes or NoHistory())
        results.append(
            RegimeResult(
                regime=reg.id, name=reg.name, version=reg.version, outcome=outcome, volume=volume
            )
        )
    if not results:
        raise InvalidInput(
            f"no transfer rules are encoded for exporter {req.exporter_country!r}; regimes: "
            + ", ".join(sorted({c for r in load_regimes() for c in r.data["exporters"]})),
            where="exporter_country",
        )
    worst = max((r.outcome for r in results), key=OUTCOME_RANK.__getitem__)
    return TransferAssessment(
        outcome=worst,
        advisory=any(not c.citation.binding for c in ctx.conclusions),
        regimes=results,
        conclusions=ctx.conclusions,
        mechanisms=ctx.mechanisms,
        actions=ctx.actions,
        transfer=req.model_dump(mode="json"),
    )


def _safeguard_cite(reg: Regime) -> dict[str, Any]:
    """The regime's first safeguard (or derogation) is where its 'adequacy or else' rule is."""
    for key in ("safeguards", "derogations"):
        items = reg.data.get(key) or []
        if items:
            return dict(items[0]["cite"])
    return _first_cite(reg)


def _first_cite(reg: Regime) -> dict[str, Any]:
    src = next(iter(reg.data["sources"]))
    return {"source": src, "article": "scope", "status": "M"}
