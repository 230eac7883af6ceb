"""Risk assessment and governance: MCDA, country/corridor risk, register, KRIs, quantification,
maturity and the management report. Thin: validation by the models, logic in the domain."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from borderline.api.deps import Assessor, Reader, ServicesDep, Writer
from borderline.assessment import (
    DEFAULT_MAX_CR,
    AcceptanceIn,
    ControlIn,
    CorridorModel,
    CountryResolver,
    KriIn,
    QuantInput,
    Rating,
    RegisterService,
    RiskImport,
    RiskIn,
    TreatmentIn,
    ahp,
    compute_index,
    critic_weights,
    entropy_weights,
    fuzzy_evaluation,
    grey_relational,
    load_catalog,
    load_matrices,
    load_questionnaire,
    progress,
    read_table,
    report_data,
    score,
    topsis,
    vikor,
)
from borderline.assessment import quantify as fair_quantify
from borderline.errors import InvalidInput
from borderline.service import Services

router = APIRouter(prefix="/v1/risk", tags=["risk"])

MAX_CSV = 200_000


def _reg(services: Services) -> RegisterService:
    return services.register()


# -- MCDA -------------------------------------------------------------------------------------


class McdaIn(BaseModel):
    csv: str = Field(
        max_length=MAX_CSV,
        description="header row of criteria; first column "
        "names the rows; AHP cells may be fractions such as 1/3",
    )
    weights: list[float] | None = None
    types: list[str] | None = Field(default=None, description="+ (benefit) or - (cost) each")
    normalization: Literal["minmax", "vector"] = "minmax"
    method: Literal["eigenvector", "geometric_mean"] = "eigenvector"
    max_cr: float = Field(default=DEFAULT_MAX_CR, gt=0)
    strict: bool = False
    v: float = 0.5
    rho: float = 0.5
    operator: Literal["weighted_average", "zadeh"] = "weighted_average"
    grade_scores: list[float] | None = None


def _need_types(body: McdaIn) -> list[str]:
    if not body.types:
        raise InvalidInput("this method needs types: + or - per criterion", where="types")
    return body.types


@router.post("/mcda/{method}")
def run_mcda(
    method: Literal["ahp", "entropy", "critic", "topsis", "vikor", "gra", "fuzzy"],
    body: McdaIn,
    _: Assessor,
) -> dict[str, Any]:
    table = read_table(body.csv, source="csv")
    if method == "ahp":
        return ahp(
            table,
            method=body.method,
            max_cr=body.max_cr,
            refuse_inconsistent=body.strict,
            source="csv",
        ).to_dict()
    if method == "entropy":
        return entropy_weights(table, source="csv").to_dict()
    if method == "critic":
        return critic_weights(table, body.types, source="csv").to_dict()
    if method == "topsis":
        return topsis(
            table, body.weights, _need_types(body), normalization=body.normalization, source="csv"
        ).to_dict()
    if method == "vikor":
        return vikor(table, body.weights, _need_types(body), v=body.v, source="csv").to_dict()
    if method == "gra":
        return grey_relational(
            table, body.weights, _need_types(body), rho=body.rho, source="csv"
        ).to_dict()
    return fuzzy_evaluation(
        table, body.weights, operator=body.operator, grade_scores=body.grade_scores, source="csv"
    ).to_dict()


# -- countries and corridors ------------------------------------------------------------------


@router.get("/countries")
def countries(
    _: Reader,
    as_of: date | None = None,
    weighting: Literal["config", "equal", "entropy", "critic"] = "config",
    country: list[str] = Query(default_factory=list),
) -> dict[str, Any]:
    out = compute_index(load_catalog(), as_of=as_of, weighting=weighting).to_dict()
    if country:
        resolver = CountryResolver.default()
        wanted = {resolver.country(c, "country") for c in country}
        out["countries"] = [c for c in out["countries"] if c["country"] in wanted]
    return out


@router.get("/corridor")
def corridor(_: Reader, origin: str, destination: str, as_of: date | None = None) -> dict[str, Any]:
    resolver = CountryResolver.default()
    o, d = resolver.country(origin, "origin"), resolver.country(destination, "destination")
    model = CorridorModel.build(as_of=as_of)
    return {
        **model.corridor(o, d).to_dict(),
        "as_of": model.as_of.isoformat(),
        "index": model.index_version,
    }


@router.get("/indicators")
def indicators(_: Reader) -> dict[str, Any]:
    cat = load_catalog()
    return {
        "indicators": [
            {**i.meta.describe(), "countries": len(i.series)} for i in cat.indicators.values()
        ]
        + [{**e.describe(), "countries": len(e.events)} for e in cat.events.values()]
    }


# -- register ---------------------------------------------------------------------------------


class AssessmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    period: str = Field(min_length=1, max_length=40)
    matrix: str = "standard-5x5"


class CopyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    period: str = Field(min_length=1, max_length=40)


class MatrixChangeIn(BaseModel):
    matrix: str


class RatingsIn(BaseModel):
    current: Rating | None = None
    residual: Rating | None = None
    residual_override_reason: str | None = Field(default=None, max_length=2000)
    target: Rating | None = None


class StatusIn(BaseModel):
    status: Literal["open", "in_progress", "done", "cancelled"]


class ApprovalIn(BaseModel):
    """The caller is the approver; the requester is whoever asked for the acceptance."""

    requester: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    expires: date


@router.get("/matrices")
def matrices(services: ServicesDep, _: Reader) -> dict[str, Any]:
    book = load_matrices(services.settings.data_dir / "matrices")
    return {
        "matrices": [m.describe() for m in book.matrices.values()],
        "remap": [{"from": a, "to": b} for a, b in book.rules],
    }


@router.get("/assessments")
def list_assessments(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return _reg(services).list_assessments()


@router.post("/assessments", status_code=201)
def create_assessment(body: AssessmentIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    return _reg(services).create_assessment(body.name, body.period, body.matrix, who.name)


@router.get("/assessments/{assessment_id}")
def get_assessment(assessment_id: int, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return _reg(services).get_assessment(assessment_id)


@router.post("/assessments/{assessment_id}/risks", status_code=201)
def add_risk(
    assessment_id: int, body: RiskIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).add_risk(assessment_id, body, who.name)


@router.post("/assessments/{assessment_id}/risks:import", status_code=201)
def import_risks(
    assessment_id: int, body: list[RiskImport], services: ServicesDep, who: Writer
) -> list[dict[str, Any]]:
    return _reg(services).import_risks(assessment_id, body, who.name)


@router.post("/assessments/{assessment_id}/copy", status_code=201)
def copy_assessment(
    assessment_id: int, body: CopyIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).copy_assessment(assessment_id, body.name, body.period, who.name)


@router.post("/assessments/{assessment_id}/matrix")
def change_matrix(
    assessment_id: int, body: MatrixChangeIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).change_matrix(assessment_id, body.matrix, who.name)


@router.get("/assessments/{old_id}/diff/{new_id}")
def diff(old_id: int, new_id: int, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return _reg(services).diff(old_id, new_id)


@router.get("/assessments/{assessment_id}/heatmap")
def heatmap(
    assessment_id: int,
    services: ServicesDep,
    _: Reader,
    rating: Literal["inherent", "current", "residual", "target"] = "residual",
) -> dict[str, Any]:
    return _reg(services).heatmap(assessment_id, rating)


@router.get("/risks/{risk_id}")
def get_risk(risk_id: int, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return _reg(services).get_risk(risk_id)


@router.post("/risks/{risk_id}/ratings")
def rate_risk(risk_id: int, body: RatingsIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    return _reg(services).rate_risk(
        risk_id,
        who.name,
        current=body.current,
        residual=body.residual,
        residual_override_reason=body.residual_override_reason,
        target=body.target,
    )


@router.post("/risks/{risk_id}/controls", status_code=201)
def add_control(
    risk_id: int, body: ControlIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).add_control(risk_id, body, who.name)


@router.post("/risks/{risk_id}/treatments", status_code=201)
def add_treatment(
    risk_id: int, body: TreatmentIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).add_treatment(risk_id, body, who.name)


@router.post("/treatments/{treatment_id}/status")
def treatment_status(
    treatment_id: int, body: StatusIn, services: ServicesDep, who: Writer
) -> dict[str, Any]:
    return _reg(services).set_treatment_status(treatment_id, body.status, who.name)


@router.get("/treatments/overdue")
def overdue(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return _reg(services).overdue_treatments()


@router.post("/risks/{risk_id}/acceptance", status_code=201)
def accept(risk_id: int, body: ApprovalIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    acc = AcceptanceIn(
        requester=body.requester, approver=who.name, reason=body.reason, expires=body.expires
    )
    return _reg(services).accept_risk(risk_id, acc)


@router.get("/acceptances:due")
def acceptances_due(
    services: ServicesDep, _: Reader, within_days: int = Query(30, ge=0, le=3660)
) -> list[dict[str, Any]]:
    return _reg(services).acceptances_due(within_days)


@router.get("/acceptances/{acc_id}")
def get_acceptance(acc_id: str, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return _reg(services).get_acceptance(acc_id)


# -- KRIs -------------------------------------------------------------------------------------


@router.get("/kris")
def list_kris(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return _reg(services).list_kris()


@router.post("/kris", status_code=201)
def define_kri(body: KriIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    return _reg(services).define_kri(body, who.name)


@router.post("/kris:check")
def check_kris(services: ServicesDep, _: Writer) -> dict[str, Any]:
    return _reg(services).check_kris()


@router.get("/kris/{name}/history")
def kri_history(name: str, services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return _reg(services).kri_history(name)


# -- quantification and maturity --------------------------------------------------------------


@router.post("/quant")
def quantify(
    body: QuantInput, services: ServicesDep, who: Assessor, save: bool = False
) -> dict[str, Any]:
    out = fair_quantify(body).to_dict()
    if save:
        who.require("write")
        out["run"] = _reg(services).save_quant_run(
            body.name,
            body.seed,
            out["inputs"],
            {k: out[k] for k in ("scenarios", "portfolio", "exceedance_curve")},
            who.name,
        )
    return out


@router.get("/quant/runs")
def quant_runs(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return _reg(services).quant_runs()


@router.get("/maturity/questionnaire")
def questionnaire(_: Reader) -> dict[str, Any]:
    return load_questionnaire().describe()


class MaturityIn(BaseModel):
    period: str = Field(min_length=1, max_length=40)
    answers: dict[str, int]


@router.post("/maturity", status_code=201)
def score_maturity(body: MaturityIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    q = load_questionnaire()
    out = score(q, body.answers)
    out["run"] = _reg(services).save_maturity(
        q.id, q.version, body.period, out["answers"], out, out["overall"], who.name
    )
    return out


@router.get("/maturity/progress")
def maturity_progress(services: ServicesDep, _: Reader) -> dict[str, Any]:
    return progress(_reg(services).maturity_runs("crossborder"))


# -- report -----------------------------------------------------------------------------------


@router.get("/assessments/{assessment_id}/report.html")
def report_html(assessment_id: int, services: ServicesDep, _: Reader) -> Response:
    from borderline.assessment import render_html

    data = report_data(_reg(services), assessment_id)
    return Response(render_html(data), media_type="text/html; charset=utf-8")


@router.get("/assessments/{assessment_id}/report.pdf")
def report_pdf(assessment_id: int, services: ServicesDep, _: Reader) -> Response:
    from borderline.assessment import render_pdf

    data = report_data(_reg(services), assessment_id)
    return Response(
        render_pdf(data),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="risk-report-{assessment_id}.pdf"'},
    )


@router.get("/dashboard")
def dashboard(services: ServicesDep, _: Reader, top: int = Query(20, ge=1, le=250)) -> Response:
    """One page with the assessments (links to their reports), KRIs, overdue treatments and
    the riskiest countries; reachable from a logged-in web session too."""
    from borderline.assessment import render_dashboard

    reg = _reg(services)
    index = compute_index(load_catalog())
    page = render_dashboard(
        {
            "as_of": index.as_of.isoformat(),
            "index_name": f"{index.config.id} v{index.config.version}",
            "weighting": index.weighting,
            "assessments": reg.list_assessments(),
            "kris": reg.list_kris(),
            "overdue": reg.overdue_treatments(),
            "countries": [s.to_dict() for s in index.ranked()[:top]],
        }
    )
    return Response(page, media_type="text/html; charset=utf-8")
