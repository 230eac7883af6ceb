"""``borderline risk …``: MCDA tools, country and corridor risk, register, quantification, reports.

Commands parse arguments, call :mod:`borderline.assessment` and print; no business logic here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

import typer
import yaml
from pydantic import ValidationError

from borderline.assessment import fair, maturity, mcda
from borderline.assessment import kri as kri_metrics
from borderline.assessment.countries import CorridorModel, Weighting, compute_index, load_config
from borderline.assessment.indicators import CountryResolver, load_catalog
from borderline.assessment.register import (
    AcceptanceIn,
    ControlIn,
    Rating,
    RiskImport,
    TreatmentIn,
    load_matrices,
)
from borderline.assessment.service import RegisterService
from borderline.assessment.tables import Table, parse_number, read_table
from borderline.cli._common import echo_json, read_text
from borderline.errors import InvalidInput

risk_app = typer.Typer(
    help="Risk assessment and governance: MCDA, country/corridor risk, register, reports.",
    no_args_is_help=True,
)
mcda_app = typer.Typer(
    help="Multi-criteria decision analysis on CSV tables (header row of criteria, first column "
    "naming each row).",
    no_args_is_help=True,
)
risk_app.add_typer(mcda_app, name="mcda")


def register(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")


def _table(path: str) -> Table:
    return read_table(read_text(path), source=path)


def _floats(text: str | None, where: str) -> list[float] | None:
    if text is None:
        return None
    parts = [p for p in text.split(",")]
    return [parse_number(p, f"{where}[{i}]") for i, p in enumerate(parts)]


def _types(text: str) -> list[str]:
    return [t.strip() for t in text.split(",")]


def _print_weights(result: dict[str, Any]) -> None:
    for name, w in result["weights"].items():
        typer.echo(f"{name:<30} {w:.6f}")


def _print_ranking(result: dict[str, Any]) -> None:
    scores = result["scores"]
    for pos, name in enumerate(result["ranking"], 1):
        typer.echo(f"{pos:>3}  {name:<30} {scores[name]:.6f}")


@mcda_app.command("ahp")
def ahp_cmd(
    file: str = typer.Argument(..., help="Pairwise comparison matrix CSV (`-` for stdin)."),
    method: str = typer.Option(
        "eigenvector", "--method", help="eigenvector (Saaty) or geometric-mean."
    ),
    max_cr: float = typer.Option(mcda.DEFAULT_MAX_CR, "--max-cr", help="Consistency limit."),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse (exit 2) instead of warning when CR exceeds --max-cr."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """AHP priority weights with λmax, CI and CR (warning or refusal above --max-cr)."""
    m = method.replace("-", "_")
    if m not in ("eigenvector", "geometric_mean"):
        raise InvalidInput(
            f"unknown method {method!r}; use eigenvector or geometric-mean", where="--method"
        )
    res = mcda.ahp(
        _table(file),
        method=cast(mcda.AhpMethod, m),
        max_cr=max_cr,
        refuse_inconsistent=strict,
        source=file,
    )
    for w in res.warnings:
        typer.echo(f"warning: {file}: {w}", err=True)
    out = res.to_dict()
    if as_json:
        echo_json(out)
        return
    _print_weights(out)
    typer.echo(
        f"lambda_max {res.lambda_max:.4f}  CI {res.ci:.4f}  CR {res.cr:.4f} "
        f"(RI {res.ri}, {res.method})"
    )


@mcda_app.command("entropy")
def entropy_cmd(
    file: str = typer.Argument(..., help="Decision matrix CSV: one row per alternative."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Entropy weights of the criteria of a decision matrix."""
    out = mcda.entropy_weights(_table(file), source=file).to_dict()
    if as_json:
        echo_json(out)
    else:
        _print_weights(out)


@mcda_app.command("critic")
def critic_cmd(
    file: str = typer.Argument(..., help="Decision matrix CSV: one row per alternative."),
    types: str | None = typer.Option(None, "--types", help="+ (benefit) or - (cost) each."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """CRITIC weights (contrast intensity × conflict between criteria)."""
    out = mcda.critic_weights(_table(file), _types(types) if types else None, source=file).to_dict()
    if as_json:
        echo_json(out)
    else:
        _print_weights(out)


_WEIGHTS_HELP = "Comma-separated criterion weights (normalised to sum 1); default equal."
_TYPES_HELP = "Comma-separated + (benefit) or - (cost), one per criterion."


@mcda_app.command("topsis")
def topsis_cmd(
    file: str = typer.Argument(..., help="Decision matrix CSV: one row per alternative."),
    weights: str | None = typer.Option(None, "--weights", help=_WEIGHTS_HELP),
    types: str = typer.Option(..., "--types", help=_TYPES_HELP),
    normalization: str = typer.Option("minmax", "--normalization", help="minmax or vector."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """TOPSIS closeness to the ideal; the normalisation can flip the ranking, so it is recorded."""
    if normalization not in ("minmax", "vector"):
        raise InvalidInput(
            f"unknown normalization {normalization!r}; use minmax or vector",
            where="--normalization",
        )
    res = mcda.topsis(
        _table(file),
        _floats(weights, "--weights"),
        _types(types),
        normalization=cast(mcda.Normalization, normalization),
        source=file,
    )
    out = res.to_dict()
    if as_json:
        echo_json(out)
    else:
        _print_ranking(out)


@mcda_app.command("vikor")
def vikor_cmd(
    file: str = typer.Argument(..., help="Decision matrix CSV: one row per alternative."),
    weights: str | None = typer.Option(None, "--weights", help=_WEIGHTS_HELP),
    types: str = typer.Option(..., "--types", help=_TYPES_HELP),
    v: float = typer.Option(0.5, "--v", help="Weight of the majority-of-criteria strategy."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """VIKOR compromise ranking (lower Q is better) with S, R and the acceptance conditions."""
    out = mcda.vikor(
        _table(file), _floats(weights, "--weights"), _types(types), v=v, source=file
    ).to_dict()
    if as_json:
        echo_json(out)
    else:
        _print_ranking(out)


@mcda_app.command("gra")
def gra_cmd(
    file: str = typer.Argument(..., help="Decision matrix CSV: one row per alternative."),
    weights: str | None = typer.Option(None, "--weights", help=_WEIGHTS_HELP),
    types: str = typer.Option(..., "--types", help=_TYPES_HELP),
    rho: float = typer.Option(0.5, "--rho", help="Distinguishing coefficient in (0, 1]."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Grey relational analysis: grade of each alternative against the ideal (higher is better)."""
    out = mcda.grey_relational(
        _table(file), _floats(weights, "--weights"), _types(types), rho=rho, source=file
    ).to_dict()
    if as_json:
        echo_json(out)
    else:
        _print_ranking(out)


@mcda_app.command("fuzzy")
def fuzzy_cmd(
    file: str = typer.Argument(
        ...,
        help="Membership matrix CSV: one row per factor, one column per grade, cells in [0, 1].",
    ),
    weights: str | None = typer.Option(None, "--weights", help="Factor weights; default equal."),
    operator: str = typer.Option(
        "weighted_average", "--operator", help="weighted_average (M(·,⊕)) or zadeh (M(∧,∨))."
    ),
    grade_scores: str | None = typer.Option(
        None, "--grade-scores", help="A score per grade for a crisp result."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fuzzy comprehensive evaluation B = W ∘ R."""
    op = operator.replace("-", "_")
    if op not in ("weighted_average", "zadeh"):
        raise InvalidInput(
            f"unknown operator {operator!r}; use weighted_average or zadeh", where="--operator"
        )
    res = mcda.fuzzy_evaluation(
        _table(file),
        _floats(weights, "--weights"),
        operator=cast(mcda.FuzzyOperator, op),
        grade_scores=_floats(grade_scores, "--grade-scores"),
        source=file,
    )
    out = res.to_dict()
    if as_json:
        echo_json(out)
        return
    for g, b in out["membership"].items():
        typer.echo(f"{g:<20} {b:.4f}")
    typer.echo(
        f"grade: {res.best_grade}" + (f"  score: {res.score:.4f}" if res.score is not None else "")
    )


# ---------------------------------------------------------------------------------------------
# Country and corridor risk

_DATA_HELP = "Extra indicator directory (indicators.yaml + CSVs); repeatable."


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not an ISO date (YYYY-MM-DD)", where="--as-of") from None


@risk_app.command("countries")
def countries_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Index date (default today)."),
    weighting: str = typer.Option(
        "config",
        "--weighting",
        help="config (the index file's weights), equal, entropy, critic, or ahp:FILE.csv "
        "(pairwise comparison of the components; refused when CR > 0.1).",
    ),
    config: str | None = typer.Option(None, "--config", help="A country_index.yaml to use."),
    data: list[str] = typer.Option([], "--data", help=_DATA_HELP),
    country: list[str] = typer.Option([], "--country", help="Only these ISO codes; repeatable."),
    top: int | None = typer.Option(None, "--top", help="Only the N riskiest."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Current composite risk index per country, with each component's value, date and source."""
    ahp_table, ahp_file = None, ""
    if weighting.startswith("ahp:"):
        ahp_file = weighting[4:]
        ahp_table, weighting = _table(ahp_file), "ahp"
    if weighting not in ("config", "equal", "entropy", "critic", "ahp") or (
        weighting == "ahp" and ahp_table is None
    ):
        raise InvalidInput(
            f"unknown weighting {weighting!r}; use config, equal, entropy, critic or ahp:FILE.csv",
            where="--weighting",
        )
    index = compute_index(
        load_catalog(data),
        load_config(config),
        as_of=_as_of(as_of),
        weighting=cast(Weighting, weighting),
        ahp_table=ahp_table,
        ahp_source=ahp_file or "ahp",
    )
    out = index.to_dict()
    if country:
        resolver = CountryResolver.default()
        wanted = {resolver.country(c, "--country") for c in country}
        out["countries"] = [c for c in out["countries"] if c["country"] in wanted]
    if top is not None:
        out["countries"] = out["countries"][:top]
    if as_json:
        echo_json(out)
        return
    typer.echo(f"{out['index']} v{out['version']} as of {out['as_of']} ({weighting} weights)")
    for pos, c in enumerate(out["countries"], 1):
        typer.echo(
            f"{pos:>4}  {c['country']}  {c['name']:<32} {c['index']:6.1f}  "
            f"coverage {c['coverage']:.2f}"
        )


@risk_app.command("corridor")
def corridor_cmd(
    origin: str = typer.Argument(..., help="Origin country (ISO code or name)."),
    destination: str = typer.Argument(..., help="Destination country (ISO code or name)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Index date (default today)."),
    config: str | None = typer.Option(None, "--config", help="A country_index.yaml to use."),
    data: list[str] = typer.Option([], "--data", help=_DATA_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Risk of an origin → destination corridor: both ends and the route."""
    resolver = CountryResolver.default()
    o = resolver.country(origin, "origin")
    d = resolver.country(destination, "destination")
    model = CorridorModel.build(load_catalog(data), load_config(config), as_of=_as_of(as_of))
    out = {
        **model.corridor(o, d).to_dict(),
        "as_of": model.as_of.isoformat(),
        "index": model.index_version,
    }
    if as_json:
        echo_json(out)
        return
    typer.echo(
        f"{o} → {d}: {out['risk']:.1f}/100 (origin {out['origin_risk']:.1f}, destination "
        f"{out['destination_risk']:.1f}, route {out['route_risk']:.1f})"
    )


@risk_app.command("indicators")
def indicators_cmd(
    data: list[str] = typer.Option([], "--data", help=_DATA_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The loaded indicators: publisher, vintage, version, licence, scale and direction."""
    catalog = load_catalog(data)
    rows = [
        {**ind.meta.describe(), "countries": len(ind.series)} for ind in catalog.indicators.values()
    ] + [{**ev.describe(), "countries": len(ev.events)} for ev in catalog.events.values()]
    if as_json:
        echo_json({"indicators": rows})
        return
    for r in rows:
        typer.echo(f"{r['id']:<12} {r['publisher']:<40} {r['version']:<28} {r['licence']}")


# ---------------------------------------------------------------------------------------------
# Risk register

register_app = typer.Typer(
    help="Risk register: assessments, risks, controls, treatments, acceptances.",
    no_args_is_help=True,
)
kri_app = typer.Typer(help="Key risk indicators from the engine's decisions.", no_args_is_help=True)
maturity_app = typer.Typer(help="Capability maturity self-assessment.", no_args_is_help=True)
risk_app.add_typer(register_app, name="register")
risk_app.add_typer(kri_app, name="kri")
risk_app.add_typer(maturity_app, name="maturity")


def _user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


def _register() -> tuple[Any, RegisterService]:
    from borderline.cli._services import open_services

    services = open_services()
    return services, services.register()


def _rating(text: str | None, where: str) -> Rating | None:
    if text is None:
        return None
    parts = text.replace("x", ",").split(",")
    try:
        lik, imp = (int(p) for p in parts)
    except ValueError:
        raise InvalidInput(f"{text!r}: give likelihood,impact such as 3,4", where=where) from None
    return cast(Rating, _validated(Rating, {"likelihood": lik, "impact": imp}, where))


def _validated(model: Any, data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        raise InvalidInput(
            str(err.get("msg", "invalid")).removeprefix("Value error, "),
            where=f"{where}.{loc}" if loc else where,
        ) from None


def _load_doc(path: str) -> Any:
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"invalid YAML/JSON: {exc}", where=path) from None


def _out(obj: Any, as_json: bool, text: str | None = None) -> None:
    if as_json or text is None:
        echo_json(obj)
    else:
        typer.echo(text)


def _risk_line(r: Mapping[str, Any]) -> str:
    res = r["residual"] or r["suggested_residual"]
    return (
        f"{r['id']:>5}  {r['key']:<10} {r['title'][:40]:<40} {r['category']:<16} "
        f"inherent {r['inherent']['level']:<8} residual {res['level']:<8} {r['status']}"
    )


@register_app.command("matrices")
def matrices_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Risk matrices available: shipped ones and those in DATA_DIR/matrices/*.yaml."""
    from borderline.settings import Settings

    book = load_matrices(Settings().data_dir / "matrices")
    out = [m.describe() for m in book.matrices.values()]
    if as_json:
        echo_json({"matrices": out, "remap": [f"{a}->{b}" for a, b in book.rules]})
        return
    for m in out:
        typer.echo(f"{m['id']:<16} {m['name']} (appetite {m['appetite']})")


@register_app.command("create")
def create_cmd(
    name: str = typer.Option(..., "--name", help="Title of the assessment."),
    period: str = typer.Option(..., "--period", help="Period it covers, e.g. 2026-Q1."),
    matrix: str = typer.Option("standard-5x5", "--matrix", help="Risk matrix id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create an assessment (one period of the register)."""
    _, reg = _register()
    out = reg.create_assessment(name, period, matrix, _user())
    _out(out, as_json, f"assessment {out['id']} created ({out['period']}, {out['matrix']})")


@register_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List assessments."""
    _, reg = _register()
    out = reg.list_assessments()
    if as_json:
        echo_json(out)
        return
    for a in out:
        typer.echo(f"{a['id']:>4}  {a['period']:<10} {a['name']:<40} {a['risks']} risks")


@register_app.command("show")
def show_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show an assessment with its register."""
    _, reg = _register()
    out = reg.get_assessment(assessment_id)
    if as_json:
        echo_json(out)
        return
    typer.echo(f"{out['name']} ({out['period']}, matrix {out['matrix']})")
    for r in out["register"]:
        typer.echo(_risk_line(r))


@register_app.command("import")
def import_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    file: str = typer.Argument(..., help="YAML/JSON: {risks: [...]} with controls, treatments."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add risks with their controls and treatments from a file, all or nothing."""
    doc = _load_doc(file)
    items = doc.get("risks") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items:
        raise InvalidInput("expected a list of risks (or {risks: [...]})", where=file)
    parsed = [_validated(RiskImport, item, f"{file}:risks[{i}]") for i, item in enumerate(items)]
    _, reg = _register()
    out = reg.import_risks(assessment_id, parsed, _user())
    _out(out, as_json, "\n".join(_risk_line(r) for r in out))


@register_app.command("rate")
def rate_cmd(
    risk_id: int = typer.Argument(..., help="Risk id."),
    current: str | None = typer.Option(None, "--current", help="likelihood,impact"),
    residual: str | None = typer.Option(None, "--residual", help="likelihood,impact"),
    reason: str | None = typer.Option(
        None, "--reason", help="Why the residual overrides the rating suggested by the controls."
    ),
    target: str | None = typer.Option(None, "--target", help="likelihood,impact"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set current, residual (with a reason when it overrides the suggestion) or target ratings."""
    _, reg = _register()
    out = reg.rate_risk(
        risk_id,
        _user(),
        current=_rating(current, "--current"),
        residual=_rating(residual, "--residual"),
        residual_override_reason=reason,
        target=_rating(target, "--target"),
    )
    _out(out, as_json, _risk_line(out))


@register_app.command("control")
def control_cmd(
    risk_id: int = typer.Argument(..., help="Risk id."),
    name: str = typer.Option(..., "--name", help="What the control is."),
    kind: str = typer.Option("preventive", "--kind", help="preventive, detective, corrective."),
    effectiveness: str = typer.Option(
        ..., "--effectiveness", help="none, weak, moderate, strong or 0..1."
    ),
    owner: str | None = typer.Option(None, "--owner", help="Control owner."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a control; the suggested residual rating follows from the controls."""
    ctrl = _validated(
        ControlIn,
        {"name": name, "kind": kind, "effectiveness": effectiveness, "owner": owner},
        "control",
    )
    _, reg = _register()
    out = reg.add_control(risk_id, ctrl, _user())
    sug = out["suggested_residual"]
    _out(
        out,
        as_json,
        f"suggested residual {sug['likelihood']}×{sug['impact']} "
        f"({sug['level']}): {sug['explanation']}",
    )


@register_app.command("treatment")
def treatment_cmd(
    risk_id: int = typer.Argument(..., help="Risk id."),
    action: str = typer.Option(..., "--action", help="What will be done."),
    owner: str = typer.Option(..., "--owner", help="Who does it."),
    due: str = typer.Option(..., "--due", help="Due date YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a treatment plan with a due date."""
    t = _validated(TreatmentIn, {"action": action, "owner": owner, "due": due}, "treatment")
    _, reg = _register()
    out = reg.add_treatment(risk_id, t, _user())
    _out(out, as_json, _risk_line(out))


@register_app.command("treatment-status")
def treatment_status_cmd(
    treatment_id: int = typer.Argument(..., help="Treatment id."),
    status: str = typer.Argument(..., help="open, in_progress, done, cancelled."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Move a treatment to another status."""
    _, reg = _register()
    out = reg.set_treatment_status(treatment_id, status, _user())
    _out(out, as_json, _risk_line(out))


@register_app.command("overdue")
def overdue_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Treatments past their due date and not done."""
    _, reg = _register()
    out = reg.overdue_treatments()
    if as_json:
        echo_json(out)
        return
    for t in out:
        typer.echo(
            f"{t['due']}  {t['days_overdue']:>4}d  {t['risk_key']:<10} {t['owner']:<20} "
            f"{t['action']}"
        )


@register_app.command("acceptances")
def acceptances_cmd(
    within: int = typer.Option(30, "--within-days", help="Expiring within this many days."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Accepted risks whose acceptance expired or expires soon: re-decide them."""
    _, reg = _register()
    out = reg.acceptances_due(within)
    if as_json:
        echo_json(out)
        return
    for a in out:
        state = "EXPIRED" if a["expired"] else f"{a['days_left']}d left"
        typer.echo(f"{a['expires']}  {state:<10} {a['risk_key']:<10} {a['risk']}")


@register_app.command("accept")
def accept_cmd(
    risk_id: int = typer.Argument(..., help="Risk id."),
    approver: str = typer.Option(..., "--approver", help="Who approves (not the requester)."),
    reason: str = typer.Option(..., "--reason", help="Why the risk is accepted."),
    expires: str = typer.Option(..., "--expires", help="Expiry YYYY-MM-DD (≤ 366 days)."),
    requester: str | None = typer.Option(None, "--requester", help="Default: the current user."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Accept a risk; the accepted state is recorded immutably in the ledger."""
    acc = _validated(
        AcceptanceIn,
        {
            "requester": requester or _user(),
            "approver": approver,
            "reason": reason,
            "expires": expires,
        },
        "acceptance",
    )
    _, reg = _register()
    out = reg.accept_risk(risk_id, acc)
    _out(
        out,
        as_json,
        f"accepted as {out['id']} until {out['expires']}; ledger index "
        f"{out['log_index']}, record {out['record_hash']}",
    )


@register_app.command("matrix")
def change_matrix_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    matrix: str = typer.Argument(..., help="New matrix id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Move an assessment to another matrix, re-mapping ratings by the explicit rules."""
    _, reg = _register()
    out = reg.change_matrix(assessment_id, matrix, _user())
    _out(out, as_json, f"{out['from']} → {out['to']}: {len(out['changes'])} risks re-mapped")


@register_app.command("copy")
def copy_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment to copy (last period)."),
    name: str = typer.Option(..., "--name", help="Title of the new assessment."),
    period: str = typer.Option(..., "--period", help="Its period."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Start a new period from the last one (risks, ratings, controls, open treatments)."""
    _, reg = _register()
    out = reg.copy_assessment(assessment_id, name, period, _user())
    _out(out, as_json, f"assessment {out['id']} created from {assessment_id}")


@register_app.command("diff")
def diff_cmd(
    old: int = typer.Argument(..., help="Earlier assessment id."),
    new: int = typer.Argument(..., help="Later assessment id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What changed between two assessments."""
    _, reg = _register()
    out = reg.diff(old, new)
    if as_json:
        echo_json(out)
        return
    for a in out["added"]:
        typer.echo(f"+ {a['key']} {a['title']}")
    for a in out["removed"]:
        typer.echo(f"- {a['key']} {a['title']}")
    for c in out["changed"]:
        typer.echo(f"~ {c['key']} {', '.join(c['changes'])}")


@register_app.command("heatmap")
def heatmap_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    rating: str = typer.Option("residual", "--rating", help="inherent, current, residual, target."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Count of risks per matrix cell."""
    _, reg = _register()
    out = reg.heatmap(assessment_id, rating)
    if as_json:
        echo_json(out)
        return
    for li in range(len(out["counts"]) - 1, -1, -1):
        typer.echo(f"L{li + 1} " + " ".join(f"{n:>3}" for n in out["counts"][li]))


# ---------------------------------------------------------------------------------------------
# KRIs


@kri_app.command("add")
def kri_add_cmd(
    name: str = typer.Option(..., "--name", help="KRI name."),
    metric: str = typer.Option(..., "--metric", help=", ".join(kri_metrics.METRICS)),
    amber: float = typer.Option(..., "--amber", help="Amber threshold."),
    red: float = typer.Option(..., "--red", help="Red threshold."),
    direction: str = typer.Option("above", "--direction", help="above or below."),
    window_days: int = typer.Option(30, "--window-days", help="Rolling window."),
    origin: str | None = typer.Option(None, "--origin", help="Corridor origin (ISO)."),
    destination: str | None = typer.Option(None, "--destination", help="Corridor destination."),
    code: str | None = typer.Option(None, "--code", help="Finding code prefix (finding_rate)."),
    risk_key: str | None = typer.Option(None, "--risk", help="Risk key the KRI watches."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Define a KRI on a live engine metric with amber/red thresholds."""
    params = {
        k: v for k, v in (("origin", origin), ("destination", destination), ("code", code)) if v
    }
    spec = _validated(
        kri_metrics.KriIn,
        {
            "name": name,
            "metric": metric,
            "amber": amber,
            "red": red,
            "direction": direction,
            "window_days": window_days,
            "params": params,
            "risk_key": risk_key,
        },
        "kri",
    )
    _, reg = _register()
    out = reg.define_kri(spec, _user())
    _out(out, as_json, f"KRI {out['name']} defined")


@kri_app.command("list")
def kri_list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """KRIs with their last reading."""
    _, reg = _register()
    out = reg.list_kris()
    if as_json:
        echo_json(out)
        return
    for k in out:
        last = k["last"] or {}
        typer.echo(
            f"{k['name']:<24} {k['metric']:<28} {last.get('status', '-'):<8} {last.get('value')}"
        )


@kri_app.command("check")
def kri_check_cmd(
    fail_on_alert: bool = typer.Option(
        False, "--fail-on-alert", help="Exit 1 when any KRI is amber or red."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Compute every KRI now, record the readings and list the alerts."""
    _, reg = _register()
    out = reg.check_kris()
    if as_json:
        echo_json(out)
    else:
        for r in out["readings"]:
            rd = r["reading"]
            value = "-" if rd["value"] is None else f"{rd['value']:.4f}"
            typer.echo(
                f"{r['name']:<24} {rd['status']:<8} {value:>10}  "
                f"({rd['numerator']}/{rd['denominator']})"
            )
    if fail_on_alert and out["alerts"]:
        raise typer.Exit(1)


@kri_app.command("history")
def kri_history_cmd(
    name: str = typer.Argument(..., help="KRI name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """All recorded readings of a KRI."""
    _, reg = _register()
    out = reg.kri_history(name)
    if as_json:
        echo_json(out)
        return
    for r in out:
        typer.echo(f"{r['computed_at']}  {r['status']:<8} {r['value']}")


# ---------------------------------------------------------------------------------------------
# Quantification and maturity


@risk_app.command("quant")
def quant_cmd(
    file: str = typer.Argument(..., help="YAML/JSON scenarios (frequency × magnitude)."),
    seed: int | None = typer.Option(None, "--seed", help="Override the file's seed."),
    trials: int | None = typer.Option(None, "--trials", help="Override the file's trials."),
    save: bool = typer.Option(False, "--save", help="Store the run (inputs, seed, results)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """FAIR-style Monte Carlo: annual loss per scenario and portfolio, VaR, ES, exceedance."""
    doc = _load_doc(file)
    if not isinstance(doc, dict):
        raise InvalidInput("expected a mapping with scenarios", where=file)
    if seed is not None:
        doc["seed"] = seed
    if trials is not None:
        doc["trials"] = trials
    inp = _validated(fair.QuantInput, doc, file)
    out = fair.quantify(inp).to_dict()
    if save:
        _, reg = _register()
        out["run"] = reg.save_quant_run(
            inp.name,
            inp.seed,
            out["inputs"],
            {k: out[k] for k in ("scenarios", "portfolio", "exceedance_curve")},
            _user(),
        )
    if as_json:
        echo_json(out)
        return
    cur = out["currency"]
    p = out["portfolio"]
    typer.echo(f"{out['name']}: seed {inp.seed}, {inp.trials} simulated years")
    for sid, s in out["scenarios"].items():
        typer.echo(f"  {sid:<24} mean {s['mean']:>14,.0f} {cur}  VaR95 {s['var']['0.95']:>14,.0f}")
    typer.echo(
        f"  {'portfolio':<24} mean {p['mean']:>14,.0f} {cur}  VaR95 "
        f"{p['var']['0.95']:>14,.0f}  ES95 {p['es']['0.95']:>14,.0f}"
    )


@maturity_app.command("questionnaire")
def maturity_q_cmd(
    name: str = typer.Option("crossborder", "--questionnaire", help="Id or YAML file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the questionnaire (domains, questions, level descriptions)."""
    q = maturity.load_questionnaire(name)
    out = q.describe()
    if as_json:
        echo_json(out)
        return
    for d in out["domains"]:
        typer.echo(f"{d['name']} (target {d['target']:g})")
        for qu in d["questions"]:
            typer.echo(f"  {qu['id']:<24} {qu['text']}")


@maturity_app.command("score")
def maturity_score_cmd(
    file: str = typer.Argument(..., help="YAML/JSON answers: {question_id: level 0-5}."),
    period: str = typer.Option(..., "--period", help="Period the answers describe."),
    name: str = typer.Option("crossborder", "--questionnaire", help="Id or YAML file."),
    save: bool = typer.Option(False, "--save", help="Store the run for progress tracking."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score a self-assessment and print the gap report with next steps."""
    q = maturity.load_questionnaire(name)
    answers = _load_doc(file)
    if not isinstance(answers, dict):
        raise InvalidInput("expected a mapping of question id to level", where=file)
    out = maturity.score(q, answers)
    if save:
        _, reg = _register()
        out["run"] = reg.save_maturity(
            q.id, q.version, period, out["answers"], out, out["overall"], _user()
        )
    if as_json:
        echo_json(out)
        return
    typer.echo(f"overall {out['overall']:.2f}")
    for did, d in out["domains"].items():
        typer.echo(f"  {did:<18} {d['score']:.2f} / target {d['target']:g}")
    for g in out["gaps"]:
        typer.echo(f"  gap {g['gap']:.0f}  {g['question']}: {g['next_step']}")


@maturity_app.command("progress")
def maturity_progress_cmd(
    name: str = typer.Option("crossborder", "--questionnaire", help="Questionnaire id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Scores of stored self-assessments over time."""
    _, reg = _register()
    out = maturity.progress(reg.maturity_runs(name))
    if as_json:
        echo_json(out)
        return
    for p in out["overall"]:
        typer.echo(f"{p['period']:<12} {p['overall']:.2f}")


@risk_app.command("report")
def report_cmd(
    assessment_id: int = typer.Argument(..., help="Assessment id."),
    html_out: str | None = typer.Option(None, "--html", help="Write the HTML report here."),
    pdf_out: str | None = typer.Option(None, "--pdf", help="Write the PDF report here."),
    quant_run: int | None = typer.Option(
        None, "--quant-run", help="Quant run id (default: the latest stored run)."
    ),
) -> None:
    """Management report (HTML/PDF): heatmap, top risks, overdue, KRIs, losses, maturity."""
    from pathlib import Path

    from borderline.assessment import report
    from borderline.assessment.service import report_data

    if not html_out and not pdf_out:
        raise InvalidInput("give --html FILE and/or --pdf FILE", where="report")
    _, reg = _register()
    data = report_data(reg, assessment_id, quant_run_id=quant_run)
    images = report.charts(data)
    if html_out:
        Path(html_out).write_text(report.render_html(data, images), encoding="utf-8")
        typer.echo(f"wrote {html_out}")
    if pdf_out:
        Path(pdf_out).write_bytes(report.render_pdf(data, images))
        typer.echo(f"wrote {pdf_out}")
