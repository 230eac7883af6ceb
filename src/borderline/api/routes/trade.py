"""Trade: landed cost, HS classification and code checks, restricted goods and destinations.
Thin: each route calls ``borderline.trade`` and returns its result; domain errors become 4xx
in the app's one exception handler."""

from __future__ import annotations

from datetime import date as _Date
from typing import Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from borderline.api.deps import Assessor
from borderline.errors import InvalidInput

router = APIRouter(tags=["trade"])

MAX_BATCH = 1000


@router.post("/v1/trade/landed-cost")
def landed_cost_route(
    _: Assessor,
    body: dict[str, Any] = Body(
        ...,
        examples=[
            {
                "destination": "DE",
                "date": "2026-01-15",
                "origin": "CN",
                "currency": "EUR",
                "incoterm": "DDP",
                "shipping": 15,
                "items": [{"hs": "610910", "quantity": 10, "unit_price": 20}],
                "seller_registrations": ["IOSS"],
            }
        ],
    ),
) -> dict[str, Any]:
    """Duty, import VAT/GST and fees; request format as `borderline trade landed-cost`."""
    from borderline.trade import LandedCostRequest, landed_cost

    return landed_cost(LandedCostRequest.from_dict(body)).to_dict()


class ClassifyIn(BaseModel):
    listings: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)
    top: int = Field(default=3, ge=1, le=10)
    abstain_below: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Not accepted below this confidence; default: the classifier's own "
        "documented threshold.",
    )
    backend: Literal["configured", "lexical"] = Field(
        default="configured",
        description="configured: the embedding backend when BORDERLINE_EMBEDDING_MODEL is set, "
        "else the shipped learned model; lexical: the lexicon classifier.",
    )


@router.post("/v1/trade/classify")
def classify_route(body: ClassifyIn, _: Assessor) -> dict[str, Any]:
    """HS 2022 candidates per listing, same shapes as `borderline trade classify --batch`."""
    from dataclasses import replace

    from borderline.trade import Listing, configured_classifier, default_classifier

    clf = configured_classifier() if body.backend == "configured" else default_classifier()
    results = []
    for i, obj in enumerate(body.listings):
        listing = Listing.from_dict(obj, where=f"listings[{i}]")
        result = clf.classify(listing, top=body.top)
        if body.abstain_below is not None and body.abstain_below != clf.abstain_below:
            top = result.candidates[0].score if result.candidates else 0.0
            conf = result.confidence if result.confidence is not None else top
            result = replace(result, abstain=conf < body.abstain_below)
        results.append(result.to_dict())
    return {"results": results, "backend": clf.version}


class CheckIn(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    title: str | None = Field(default=None, max_length=1000)


@router.post("/v1/trade/hs-check")
def hs_check_route(body: CheckIn, _: Assessor) -> dict[str, Any]:
    from borderline.trade import Listing, configured_classifier, nomenclature

    check = nomenclature().check(body.code)
    out: dict[str, Any] = check.to_dict()
    if body.title is not None and check.hs6 is not None:
        from borderline.trade import EmbeddingBackend

        clf = configured_classifier()
        judge = clf.base if isinstance(clf, EmbeddingBackend) else clf
        ok, c = judge.plausible(Listing.from_dict({"title": body.title}, where="title"), check.hs6)
        out["plausible"] = ok
        out["classifier"] = c.to_dict()
    return out


class RestrictedIn(BaseModel):
    title: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=5000)
    hs: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    address: str = Field(default="", max_length=1000)
    postal_code: str | None = Field(default=None, max_length=20)
    date: _Date | None = None  # the field name shadows the type inside the class
    jurisdictions: list[str] | None = None


@router.post("/v1/trade/restricted")
def restricted_route(body: RestrictedIn, _: Assessor) -> dict[str, Any]:
    from borderline.refdata import is_country
    from borderline.trade import check_destination, check_item, nomenclature

    if body.title is None and body.country is None:
        raise InvalidInput("give a title and/or a country", where="body")
    found = []
    if body.title is not None:
        if not body.title.strip():
            raise InvalidInput("title must be non-empty", where="title")
        hs6 = nomenclature().require(body.hs, where="hs") if body.hs else None
        found += check_item(body.title, body.description, hs6)
    if body.country is not None:
        cc = body.country.upper()
        if not is_country(cc):
            raise InvalidInput(f"unknown country {body.country!r}", where="country")
        juris = frozenset(j.upper() for j in body.jurisdictions) if body.jurisdictions else None
        found += check_destination(cc, body.address, body.postal_code, body.date, juris)
    return {"results": [r.to_dict() for r in found]}
