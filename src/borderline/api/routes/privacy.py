"""Privacy: detect and redact personal data; assess cross-border transfers; the data-flow
register. Thin: each route calls ``borderline.privacy`` and returns its result."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel, Field, model_validator

from borderline.api.deps import Assessor, Reader, ServicesDep, Writer
from borderline.errors import Unavailable
from borderline.privacy import TransferAssessment, TransferRequest

router = APIRouter(tags=["privacy"])

# Large enough for an order export, small enough that one request cannot pin a worker.
MAX_TEXT = 200_000


class DetectIn(BaseModel):
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    record: dict[str, Any] | None = None
    country: str | None = Field(default=None, description="ISO alpha-2 country of the record")
    threshold: float = Field(default=0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> DetectIn:
        if (self.text is None) == (self.record is None):
            raise ValueError("give exactly one of 'text' or 'record'")
        return self


class EntityOut(BaseModel):
    type: str
    start: int
    end: int
    score: float
    explanation: str
    country: str | None = None
    kind: str | None = None
    path: str | None = None


class DetectOut(BaseModel):
    entities: list[EntityOut]


class RedactIn(DetectIn):
    method: Literal["redact", "mask", "replace", "hash", "fpe", "encrypt"] = "replace"


class RedactOut(BaseModel):
    text: str | None = None
    record: dict[str, Any] | None = None
    method: str
    entities: list[EntityOut]


def _analyzer(threshold: float) -> Any:
    from borderline.privacy import Analyzer, default_analyzer

    return default_analyzer() if threshold == 0.5 else Analyzer(threshold=threshold)


def _find(body: DetectIn) -> list[Any]:
    a = _analyzer(body.threshold)
    if body.text is not None:
        return list(a.analyze(body.text, country=body.country))
    return list(a.analyze_record(body.record or {}, country=body.country))


@router.post("/v1/privacy/detect")
def detect(body: DetectIn, _: Assessor) -> DetectOut:
    return DetectOut(entities=[EntityOut(**e.to_json()) for e in _find(body)])


@router.post("/v1/privacy/redact")
def redact(body: RedactIn, services: ServicesDep, _: Assessor) -> RedactOut:
    from borderline import privacy  # privacy.anonymise: the name is also a submodule's
    from borderline.privacy import KEYED, Keyring, redact_record

    ring = None
    if body.method in KEYED:
        # Keys live beside the database; `borderline privacy keys rotate` creates them.
        path = services.settings.data_dir / "privacy-keyring.json"
        if not path.is_file():
            raise Unavailable(
                f"method {body.method!r} needs a keyring; run `borderline privacy keys rotate`",
                where="method",
            )
        ring = Keyring.load(path)
    found = _find(body)
    out = RedactOut(method=body.method, entities=[EntityOut(**e.to_json()) for e in found])
    if body.text is not None:
        out.text = privacy.anonymise(body.text, found, body.method, ring)
    else:
        out.record = redact_record(body.record, found, body.method, ring)
    return out


@router.post("/v1/privacy/transfers:assess")
def assess(body: TransferRequest, services: ServicesDep, _: Assessor) -> dict[str, Any]:
    """Assess without storing; volumes count the transfers already in the register."""
    from borderline.privacy import DbVolumes, assess_transfer

    with services.sessions() as session:
        result = assess_transfer(body, volumes=DbVolumes(session))
    return result.model_dump(mode="json")


@router.post("/v1/privacy/transfers", status_code=201)
def record(body: TransferRequest, services: ServicesDep, who: Writer) -> dict[str, Any]:
    """Assess and store a transfer in the register; the ledger gets its hash."""
    from borderline.privacy import (
        LEDGER_KIND,
        DbVolumes,
        assess_transfer,
        ledger_record,
        record_transfer,
    )
    from borderline.store import transaction

    with transaction(services.sessions) as session:
        result: TransferAssessment = assess_transfer(body, volumes=DbVolumes(session))
        row = record_transfer(session, body, result, created_by=who.name)
        services.ledger.append(session, kind=LEDGER_KIND, subject=row.id, record=ledger_record(row))
        rid = row.id
    return {"id": rid} | result.model_dump(mode="json")


@router.get("/v1/privacy/transfers")
def register(
    services: ServicesDep,
    _: Reader,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    from borderline.privacy import list_transfers, row_summary

    with services.sessions() as session:
        return [row_summary(r) for r in list_transfers(session, limit, offset)]


@router.get("/v1/privacy/transfers:export")
def export(
    services: ServicesDep, _: Reader, format: Literal["csv", "jsonl"] = Query("csv")
) -> Response:
    from borderline.privacy import export_register

    with services.sessions() as session:
        body = export_register(session, format)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    return Response(body, media_type=media)


@router.get("/v1/privacy/transfers/{transfer_id}")
def get_one(transfer_id: str, services: ServicesDep, _: Reader) -> dict[str, Any]:
    from borderline.privacy import get_transfer, row_summary

    with services.sessions() as session:
        row = get_transfer(session, transfer_id)
        return row_summary(row) | {"assessment": row.assessment}


@router.get("/v1/privacy/transfers/{transfer_id}/report")
def report(
    transfer_id: str,
    services: ServicesDep,
    _: Reader,
    format: Literal["html", "pdf"] = Query("html"),
) -> Response:
    from borderline.privacy import get_transfer, render_html, render_pdf

    with services.sessions() as session:
        row = get_transfer(session, transfer_id)
        meta = {"id": row.id, "date": row.transfer_date.isoformat()}
        assessment = row.assessment
    if format == "pdf":
        return Response(render_pdf(assessment, meta), media_type="application/pdf")
    return Response(render_html(assessment, meta), media_type="text/html; charset=utf-8")


def install(app: FastAPI) -> None:
    """Teach the ledger to resolve recorded transfers, so verification checks their rows."""
    from borderline.privacy import LEDGER_KIND, resolve_ledger_record

    app.state.services.ledger.register_resolver(LEDGER_KIND, resolve_ledger_record)
