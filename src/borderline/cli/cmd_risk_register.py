"""``borderline risk register|kri|maturity``: the risk register, key risk indicators and the
maturity self-assessment (``borderline risk`` itself and its MCDA and country commands are in
``cmd_risk``)."""

from __future__ import annotations

import typer

from borderline.assessment import (
    AcceptanceIn,
    ControlIn,
    QuantInput,
    RiskImport,
    TreatmentIn,
    load_matrices,
    load_questionnaire,
    progress,
    quantify,
    score,
)
from borderline.cli._common import current_user as _user
from borderline.cli._common import echo_json
from borderline.cli._risk_common import (
    _load_doc,
    _out,
    _rating,
    _register,
    _risk_line,
    _validated,
)
from borderline.cli._risk_kri import kri_app
from borderline.cli.cmd_risk import risk_app
from borderline.errors import InvalidInput

# ---------------------------------------------------------------------------------------------
# Risk register

register_app = typer.Typer(
    help="Risk register: assessments, risks, controls, treatments, acceptances.",
    no_args_is_help=True,
)
maturity_app = typer.Typer(help="Capability maturity self-assessment.", no_args_is_help=True)


@register_app.command("matrices")
def matrices_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Risk matrices available: shipped ones and those in DATA_DIR/matrices/*.yaml."""
    from borderline.cli._services import cli_settings

    book = load_matrices(cli_settings().data_dir / "matrices")
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
    inp = _validated(QuantInput, doc, file)
    out = quantify(inp).to_dict()
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
    q = load_questionnaire(name)
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
    q = load_questionnaire(name)
    answers = _load_doc(file)
    if not isinstance(answers, dict):
        raise InvalidInput("expected a mapping of question id to level", where=file)
    out = score(q, answers)
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
    out = progress(reg.maturity_runs(name))
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

    from borderline.assessment import charts, render_html, render_pdf, report_data

    if not html_out and not pdf_out:
        raise InvalidInput("give --html FILE and/or --pdf FILE", where="report")
    _, reg = _register()
    data = report_data(reg, assessment_id, quant_run_id=quant_run)
    images = charts(data)
    if html_out:
        Path(html_out).write_text(render_html(data, images), encoding="utf-8")
        typer.echo(f"wrote {html_out}")
    if pdf_out:
        Path(pdf_out).write_bytes(render_pdf(data, images))
        typer.echo(f"wrote {pdf_out}")


def register(app: typer.Typer) -> None:
    # ``cmd_risk`` (imported first: modules register in name order) put ``risk`` on the app.
    risk_app.add_typer(register_app, name="register")
    risk_app.add_typer(kri_app, name="kri")
    risk_app.add_typer(maturity_app, name="maturity")
