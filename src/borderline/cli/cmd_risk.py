"""``borderline risk …``: MCDA tools, country and corridor risk, register, quantification, reports.

Commands parse arguments, call :mod:`borderline.assessment` and print; no business logic here.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import typer

from borderline.assessment import (
    DEFAULT_MAX_CR,
    AhpMethod,
    CorridorModel,
    CountryResolver,
    FuzzyOperator,
    Normalization,
    Table,
    Weighting,
    ahp,
    compute_index,
    critic_weights,
    entropy_weights,
    fuzzy_evaluation,
    grey_relational,
    load_catalog,
    load_config,
    parse_number,
    read_table,
    topsis,
    vikor,
)
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
    max_cr: float = typer.Option(DEFAULT_MAX_CR, "--max-cr", help="Consistency limit."),
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
    res = ahp(
        _table(file),
        method=cast(AhpMethod, m),
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
    out = entropy_weights(_table(file), source=file).to_dict()
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
    out = critic_weights(_table(file), _types(types) if types else None, source=file).to_dict()
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
    res = topsis(
        _table(file),
        _floats(weights, "--weights"),
        _types(types),
        normalization=cast(Normalization, normalization),
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
    out = vikor(
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
    out = grey_relational(
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
    res = fuzzy_evaluation(
        _table(file),
        _floats(weights, "--weights"),
        operator=cast(FuzzyOperator, op),
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
    # The index date is not the data's date: say how recent each indicator is.
    typer.echo(
        "indicators (latest data used): "
        + ", ".join(f"{k} {v.get('latest') or '-'}" for k, v in out["sources"].items())
    )
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
