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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from borderline.errors import DataFileError, InvalidInput, from_validation
from borderline.privacy.transfer import taxonomy
from borderline.privacy.transfer.model import (
    OUTCOME_RANK,
    Action,
    Citation,
    Conclusion,
    Mechanism,
    Outcome,
    RegimeResult,
    TransferAssessment,
    TransferRequest,
)
from borderline.refdata import region_members


class VolumeProvider(Protocol):
    """Earlier transfers' data subjects, counted the way a regime counts them."""

    def prior_subjects(
        self,
        *,
        regime: str,
        exporter: str,
        importer: str | None,
        categories: Iterable[str],
        sensitive: bool | None,
        since: date,
        until: date,
    ) -> int: ...


class _NoHistory:
    def prior_subjects(self, **_: Any) -> int:
        return 0


def expand(codes: Iterable[str], where: str = "jurisdiction") -> frozenset[str]:
    out: set[str] = set()
    for c in codes:
        try:
            out.update(region_members(str(c).upper()))
        except KeyError:
            raise DataFileError(f"unknown country or region {c!r}", where=where) from None
    return frozenset(out)


def jurisdiction(value: str, where: str) -> frozenset[str]:
    code = value.strip().upper()
    if code == "UK":
        code = "GB"
    try:
        return frozenset(region_members(code))
    except KeyError:
        raise InvalidInput(
            f"unknown jurisdiction {value!r}: use an ISO 3166 alpha-2 code or EEA/EU", where=where
        ) from None


@dataclass(frozen=True)
class Regime:
    id: str
    kind: str
    data: dict[str, Any]
    exporters: frozenset[str]
    internal: frozenset[str]
    source_file: str

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def version(self) -> str:
        return str(self.data["version"])

    def fact_statuses(self) -> dict[str, int]:
        """How many cited facts in this regime's file are verified (V), recalled (M) or
        unverified (U)."""
        counts = {"V": 0, "M": 0, "U": 0}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("status") in counts and "source" in node:
                    counts[node["status"]] += 1
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(self.data)
        return counts

    def cite(self, c: dict[str, Any], where: str = "") -> Citation:
        sources = self.data.get("sources", {})
        src = sources.get(c.get("source"))
        if src is None:
            raise DataFileError(
                f"unknown source {c.get('source')!r}", where=f"{self.source_file}{where}"
            )
        status = c.get("status")
        if status not in ("V", "M", "U"):
            raise DataFileError("status must be V, M or U", where=f"{self.source_file}{where}")
        return Citation(
            source=c["source"],
            title=src["title"],
            article=str(c.get("article", "")),
            url=src.get("url"),
            status=status,
            binding=status == "V",
        )


def rules_dir() -> Path:
    return Path(str(resources.files("borderline.privacy.transfer") / "rules"))


@cache
def load_regimes(folder: str | None = None) -> tuple[Regime, ...]:
    """Load and check every rule file: unknown countries, sources or statuses are errors."""
    path = Path(folder) if folder else rules_dir()
    out = []
    for f in sorted(path.glob("*.yaml")):
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataFileError(f"invalid YAML: {exc}", where=str(f)) from None
        if not isinstance(data, dict) or data.get("kind") not in ("chapter_v", "cn_pipl", "us_doj"):
            raise DataFileError("needs kind: chapter_v, cn_pipl or us_doj", where=str(f))
        reg = Regime(
            id=data["id"],
            kind=data["kind"],
            data=data,
            exporters=expand(data["exporters"], str(f)),
            internal=expand(data.get("internal", []), str(f)),
            source_file=f.name,
        )
        _check(reg)
        out.append(reg)
    return tuple(out)


def _check(reg: Regime) -> None:
    """Walk every citation and category so a typo fails at load, not mid-assessment."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "source" in node and "status" in node:
                reg.cite(node, where)
            for k, v in node.items():
                if k in ("destinations",):
                    expand(v, f"{reg.source_file}{where}.{k}")
                if k in ("categories", "excludes_categories", "sensitive_categories", "fideslang"):
                    for c in v:
                        taxonomy.check_category(c, f"{reg.source_file}{where}.{k}")
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(reg.data, "")


# ------------------------------------------------------------------ request checks


@dataclass
class _Ctx:
    req: TransferRequest
    exporter: frozenset[str]
    importer: frozenset[str]
    on: date
    sensitive: list[str]
    conclusions: list[Conclusion]
    mechanisms: list[Mechanism]
    actions: list[Action]


def validate(req: TransferRequest) -> tuple[frozenset[str], frozenset[str]]:
    exp = jurisdiction(req.exporter_country, "exporter_country")
    imp = jurisdiction(req.importer_country, "importer_country")
    for i, c in enumerate(req.data_categories):
        taxonomy.check_category(c, f"data_categories[{i}]")
    for i, c in enumerate(req.sensitive_categories):
        taxonomy.check_category(c, f"sensitive_categories[{i}]")
        if not any(taxonomy.within(c, d) or taxonomy.within(d, c) for d in req.data_categories):
            raise InvalidInput(
                f"sensitive category {c!r} is not among data_categories: the input contradicts "
                "itself",
                where=f"sensitive_categories[{i}]",
            )
    if req.purpose and "." in req.purpose:
        taxonomy.check_use(req.purpose, "purpose")
    return exp, imp


def _purpose_in(req: TransferRequest, purposes: Iterable[str]) -> bool:
    return bool(req.purpose) and any(taxonomy.within(req.purpose or "", p) for p in purposes)


def _add_actions(ctx: _Ctx, reg: Regime, items: Iterable[dict[str, Any]], where: str) -> None:
    for i, a in enumerate(items):
        ctx.actions.append(
            Action(
                regime=reg.id,
                action=a["action"],
                deadline=a.get("deadline", ""),
                document=a.get("document"),
                citation=reg.cite(a["cite"], f"{where}[{i}]"),
            )
        )


def _conclude(ctx: _Ctx, reg: Regime, code: str, text: str, cite: dict[str, Any]) -> None:
    ctx.conclusions.append(Conclusion(regime=reg.id, code=code, text=text, citation=reg.cite(cite)))


def _in_force(item: dict[str, Any], on: date) -> bool:
    start, end = item.get("effective_from"), item.get("effective_to")
    return not ((start and on < start) or (end and on > end))


# ------------------------------------------------------------------ evaluators


def _chapter_v(reg: Regime, ctx: _Ctx) -> Outcome:
    d, req = reg.data, ctx.req
    outcome: Outcome = "allowed"
    sens = [
        c for c in req.data_categories if taxonomy.overlaps(c, d.get("sensitive_categories", []))
    ]
    if sens and d.get("sensitive_cite"):
        _conclude(
            ctx,
            reg,
            "sensitive",
            f"categories {sens} are sensitive under this regime",
            d["sensitive_cite"],
        )
    for loc in d.get("localisation", []):
        if any(taxonomy.overlaps(c, loc["categories"]) for c in req.data_categories):
            outcome = "allowed_with_conditions"
            _conclude(ctx, reg, "localisation", loc["rule"], loc["cite"])
    if d.get("always_actions"):
        outcome = "allowed_with_conditions"
        _add_actions(ctx, reg, d["always_actions"], ".always_actions")
    for item in d.get("not_transfer_tools", []):
        if req.mechanism and item["mechanism"].lower() in req.mechanism.lower():
            _conclude(ctx, reg, "declared_mechanism_invalid", item["reason"], item["cite"])
    if d.get("open_by_default"):
        _conclude(ctx, reg, "open", "no restriction notified for this destination", d["open_cite"])
        return outcome
    certs = {c.casefold() for c in req.importer.certifications}
    for item in d.get("adequacy", []):
        if not (ctx.importer & expand(item["destinations"])) or not _in_force(item, ctx.on):
            continue
        need = item.get("requires_certification")
        if need and not certs & {n.casefold() for n in need}:
            _conclude(
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
            _conclude(
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
        _conclude(ctx, reg, "adequacy", text, item["cite"])
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
            _conclude(ctx, reg, "certification", item["name"], item["cite"])
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
    _conclude(
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
            _add_actions(ctx, reg, s.get("actions", []), f".safeguards[{i}].actions")
    for i, g in enumerate(d.get("derogations", [])):
        if g.get("purposes") and not _purpose_in(req, g["purposes"]):
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


def _cn_pipl(reg: Regime, ctx: _Ctx, volumes: VolumeProvider) -> tuple[Outcome, dict[str, Any]]:
    d, req = reg.data, ctx.req
    sens_keys = d["sensitive_categories"]
    sensitive = bool(req.sensitive_categories) or any(
        taxonomy.overlaps(c, sens_keys) for c in req.data_categories
    )
    if sensitive:
        _conclude(
            ctx,
            reg,
            "sensitive",
            "the transfer includes sensitive personal information (financial accounts, "
            "whereabouts, identity numbers or other Art 28 categories)",
            d["sensitive_cite"],
        )
    _add_actions(ctx, reg, d["always_actions"], ".always_actions")
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
        _conclude(ctx, reg, key, why, cite)
        m = mech[key]
        ctx.mechanisms.append(
            Mechanism(regime=reg.id, id=key, name=m["name"], citation=reg.cite(m["cite"]))
        )
        _add_actions(ctx, reg, m.get("actions", []), f".mechanisms.{key}.actions")

    if req.important_data or req.exporter.ciio:
        need(
            "security_assessment",
            "important data or a CIIO exporter: CAC security assessment required at any volume",
            th["security_assessment"]["cite"],
        )
        return "allowed_with_conditions", volume
    if _purpose_in(req, d["exempt_purposes"]["purposes"]):
        _conclude(
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
        if _in_force(cert, ctx.on):
            ctx.mechanisms.append(
                Mechanism(
                    regime=reg.id,
                    id="certification",
                    name=cert["name"],
                    citation=reg.cite(cert["cite"]),
                )
            )
    else:
        _conclude(
            ctx,
            reg,
            "below_thresholds",
            f"{total:,} individuals' non-sensitive PI "
            f"cumulative since {since}: below 100,000, no security assessment, standard "
            "contract or certification needed",
            sc["cite"],
        )
    return "allowed_with_conditions", volume


def _us_doj(
    reg: Regime, ctx: _Ctx, volumes: VolumeProvider
) -> tuple[Outcome, dict[str, Any] | None]:
    d, req = reg.data, ctx.req
    if not _in_force(d, ctx.on):
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
        _conclude(
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
    _conclude(
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
        _conclude(
            ctx,
            reg,
            "omic_prohibited",
            "access to bulk human 'omic data by a country of concern is prohibited",
            d["bulk_cite"],
        )
        return "prohibited", volume
    if total <= threshold:
        _conclude(
            ctx,
            reg,
            "below_bulk",
            f"{total:,} US persons in the preceding 12 months with "
            f"this counterparty: not more than the bulk threshold {threshold:,}",
            d["bulk_cite"],
        )
        return outcome, volume
    if _purpose_in(req, d["exempt_purposes"]["purposes"]):
        _conclude(
            ctx, reg, "exempt", d["exempt_purposes"]["description"], d["exempt_purposes"]["cite"]
        )
        return outcome, volume
    _conclude(
        ctx,
        reg,
        "bulk",
        f"{total:,} US persons in the preceding 12 months: bulk "
        f"({', '.join(volume['categories'])}; threshold {threshold:,})",
        d["bulk_cite"],
    )
    if req.transaction == "data_brokerage":
        _conclude(
            ctx,
            reg,
            "brokerage_prohibited",
            "data brokerage of bulk US sensitive personal "
            "data with a country of concern is prohibited",
            d["bulk_cite"],
        )
        return "prohibited", volume
    if req.transaction in d["restricted_transactions"]:
        _conclude(
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
    _conclude(
        ctx,
        reg,
        "review",
        "bulk sensitive data to a country of concern outside the "
        "restricted-transaction categories: treat as prohibited until counsel clears it",
        d["bulk_cite"],
    )
    return "prohibited", volume


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
    ctx = _Ctx(req, exp, imp, req.date or date.today(), [], [], [], [])
    results: list[RegimeResult] = []
    for reg in regimes or load_regimes():
        if not exp & reg.exporters:
            continue
        if imp <= reg.internal and exp <= reg.internal:
            _conclude(
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
            outcome, volume = _cn_pipl(reg, ctx, volumes or _NoHistory())
        else:
            outcome, volume = _us_doj(reg, ctx, volumes or _NoHistory())
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
