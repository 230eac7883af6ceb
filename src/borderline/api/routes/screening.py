"""Sanctions screening over HTTP: search, batch, compare, list status, whitelist decisions and
re-screening hits. Thin: every route calls ``borderline.screening``."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from borderline.api.deps import Assessor, Reader, ServicesDep, Writer
from borderline.errors import InvalidInput, PayloadTooLarge
from borderline.screening import (
    ALGORITHM,
    THRESHOLD,
    BatchQuery,
    Identifier,
    Query,
    compare,
    current_index,
    hits_for_order,
    list_status,
    list_whitelist,
    parse_dob,
    parse_kind,
    party_key,
    plan_row,
    refresh_whitelist,
    register_resolvers,
    screen_rows,
)
from borderline.screening import add_whitelist as service_add_whitelist
from borderline.screening import revoke_whitelist as service_revoke_whitelist

router = APIRouter(tags=["screening"])


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=40, examples=["passport"])
    value: str = Field(min_length=1, max_length=100)


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10_000, examples=["Vladimir Putin"])
    type: str | None = Field(default=None, description="person, organization, vessel, any")
    country: str | None = Field(default=None, description="ISO 3166 alpha-2")
    dob: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=20)
    threshold: float = Field(default=THRESHOLD, ge=0, le=1)
    limit: int = Field(default=10, ge=1, le=100)
    lists: list[str] | None = Field(default=None, description="Only these lists")


class BatchItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(max_length=10_000)
    type: str | None = None
    country: str | None = None
    dob: str | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Items are checked one by one (see ``BatchItemIn``) so one bad item is answered with its
    # own error instead of refusing the batch.
    queries: list[dict[str, Any]] = Field(
        min_length=1, description="Each {id, name, type?, country?, dob?} (BatchItemIn)"
    )
    top: int = Field(default=10, ge=1, le=100)
    threshold: float = Field(default=THRESHOLD, ge=0, le=1)


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    left: str = Field(max_length=10_000)
    right: str = Field(max_length=10_000)
    type: str | None = None


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    customer_id: str | None = Field(default=None, max_length=200)
    dob: str | None = Field(default=None, description="YYYY-MM-DD as on the order")


class WhitelistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party: PartyIn
    list: str = Field(min_length=1, max_length=100, examples=["us_ofac_sdn"])
    source_id: str = Field(min_length=1, max_length=200, examples=["35096"])
    reason: str = Field(min_length=1, max_length=2000)
    expires_at: datetime | None = None


def _query(
    name: str, type_: str | None, country: str | None, dob: str | None, where: str, **kw: Any
) -> Query:
    q = Query(
        name=name,
        kind=parse_kind(type_, where=f"{where}type"),
        country=country,
        dob=parse_dob(dob, where=f"{where}dob"),
        **kw,
    )
    try:
        q.validate()
    except InvalidInput as exc:
        raise InvalidInput(exc.message, where=f"{where}{exc.where}") from None
    return q


@router.post("/v1/screening/search")
def search(body: SearchIn, _: Assessor) -> dict[str, Any]:
    q = _query(
        body.name,
        body.type,
        body.country,
        body.dob,
        "",
        identifiers=tuple(Identifier(i.kind, i.value) for i in body.identifiers),
        threshold=body.threshold,
        limit=body.limit,
        lists=tuple(body.lists) if body.lists else None,
    )
    idx = current_index()
    matches = idx.search(q)
    return {
        "query": body.name,
        "algorithm": ALGORITHM,
        "threshold": body.threshold,
        "lists": {k: v.version for k, v in idx.lists.items()},
        "matches": [m.to_dict(detail=True) for m in matches],
    }


@router.post("/v1/screening/batch")
def batch(body: BatchIn, services: ServicesDep, _: Assessor) -> dict[str, Any]:
    limit = services.settings.max_batch
    if len(body.queries) > limit:
        raise PayloadTooLarge(
            f"{len(body.queries)} queries; at most {limit} per batch", where="queries"
        )
    # Each item is answered on its own: an unusable field is a warning, an unusable item an
    # error on that item; the others are screened all the same.
    rows: list[BatchQuery] = []
    for i, raw in enumerate(body.queries):
        where = f"queries[{i}]."
        ident = raw.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident).strip():
            rows.append(BatchQuery(f"#{i}", None, f"{where}id: a non-empty id is required"))
            continue
        try:
            item = BatchItemIn.model_validate({**raw, "id": str(ident)})
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            rows.append(BatchQuery(str(ident), None, f"{where}{loc}: {err['msg']}"))
            continue
        rows.append(
            plan_row(
                item.id, item.model_dump(), top=body.top, threshold=body.threshold, where=where
            )
        )
    results = [out for _row, out in screen_rows(rows, current_index())]
    return {
        "algorithm": ALGORITHM,
        "threshold": body.threshold,
        "failed": sum("error" in r for r in results),
        "results": results,
    }


@router.post("/v1/screening/compare")
def compare_names(body: CompareIn, _: Assessor) -> dict[str, Any]:
    return compare(body.left, body.right, body.type or "any").to_dict()


@router.get("/v1/screening/lists")
def lists(_: Reader, max_age_days: int = 30) -> list[dict[str, Any]]:
    return list_status(max_age_days=max_age_days)


@router.get("/v1/screening/whitelist")
def get_whitelist(services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return list_whitelist(services)


@router.post("/v1/screening/whitelist", status_code=201)
def add_whitelist(body: WhitelistIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    if not body.party.customer_id and not body.party.dob:
        # A decision keyed by a name alone would clear every party of that name.
        raise InvalidInput(
            f"{body.party.name} needs a customer_id or a dob: a whitelist decision on a name "
            "alone would clear every party with that name",
            where="party",
        )
    dob = parse_dob(body.party.dob, where="party.dob") if body.party.dob else None
    key = party_key(
        body.party.name, customer_id=body.party.customer_id, dob=str(dob) if dob else None
    )
    return service_add_whitelist(
        services,
        party_key=key,
        list_name=body.list,
        source_id=body.source_id,
        reason=body.reason,
        actor=who.name,
        expires_at=body.expires_at,
    )


@router.delete("/v1/screening/whitelist/{decision_id}", status_code=204)
def revoke_whitelist(decision_id: int, services: ServicesDep, who: Writer) -> Response:
    service_revoke_whitelist(services, decision_id, who.name)
    return Response(status_code=204)


@router.get("/v1/screening/hits/{order_id}")
def hits(order_id: str, services: ServicesDep, _: Reader) -> list[dict[str, Any]]:
    return hits_for_order(services, order_id)


def install(app: FastAPI) -> None:
    """Load the analysts' whitelist decisions and teach the ledger to resolve them."""
    services = app.state.services
    register_resolvers(services.ledger)
    refresh_whitelist(services)
    # Load (or build) the list index in the background so the first search does not wait.
    threading.Thread(target=current_index, name="screening-index", daemon=True).start()
