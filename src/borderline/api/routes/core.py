"""Health and decisions: assess one order, a batch, read decisions back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

import borderline
from borderline.api.deps import Assessor, Reader, ServicesDep
from borderline.api.readiness import Readiness
from borderline.model import Decision, Order
from borderline.samples import samples_loading

router = APIRouter()


class Health(BaseModel):
    status: str
    version: str
    database: str
    ledger_size: int
    policy_version: int
    samples_loading: bool = Field(
        False, description="true while a first start is still loading the sample orders"
    )


@router.get("/health", tags=["health"])
def health(services: ServicesDep) -> Health:
    with services.sessions() as s:
        s.execute(text("SELECT 1"))
        size = services.ledger.size(s)
        policy = services.active_policy(s)
    return Health(
        status="ok",
        version=borderline.__version__,
        database=services.db.dialect.name,
        ledger_size=size,
        policy_version=policy.version,
        samples_loading=samples_loading(services.settings.data_dir),
    )


@router.get(
    "/ready",
    tags=["health"],
    responses={503: {"description": "still loading (or the warm-up failed); retry later"}},
)
def ready(request: Request) -> JSONResponse:
    """200 once lists, policy, models and indexes are loaded; 503 with Retry-After before."""
    readiness: Readiness = request.app.state.readiness
    readiness.start()  # no-op when the app's lifespan started it already
    body = readiness.to_dict()
    if readiness.state == "ready":
        return JSONResponse(body)
    return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


@router.post(
    "/v1/decisions",
    tags=["decisions"],
    status_code=201,
    responses={
        200: {
            "description": "the same order was assessed before: the stored "
            "decision (idempotent replay)"
        },
        409: {"description": "the order id was used with another payload"},
    },
    response_model=Decision,
)
async def create_decision(
    request: Request, order: Order, services: ServicesDep, _: Assessor
) -> Response:
    if services.decisions.committer is None:  # an app started without its lifespan
        decision, replayed = await run_in_threadpool(services.assess, order)
    else:
        # The engine runs on the event loop, with the orders of the other requests of this
        # loop turn (``api.batching``): it is CPU work that would hold the GIL in a pool
        # thread all the same, and the hops to and from that thread cost a request more than
        # a millisecond. The write waits for the group committer without holding a thread.
        decision, replayed = await request.app.state.batcher.assess(order)
    # The decision was built by the engine from validated parts: serialise it once, rather
    # than have FastAPI validate the whole explained decision again (the hot path's largest
    # cost after the engine itself). The schema in OpenAPI is unchanged.
    return Response(
        content=decision.model_dump_json(),
        media_type="application/json",
        status_code=200 if replayed else 201,
        headers={"Idempotent-Replay": "true"} if replayed else None,
    )


class BatchRequest(BaseModel):
    # Items are validated one by one so one bad order does not reject the others.
    orders: list[dict[str, Any]] = Field(min_length=1)


class BatchResult(BaseModel):
    index: int
    order_id: str | None
    status: int
    decision: Decision | None = None
    error: dict[str, Any] | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    assessed: int
    replayed: int
    failed: int


@router.post("/v1/decisions:batch", tags=["decisions"])
def create_decisions(body: BatchRequest, services: ServicesDep, _: Assessor) -> BatchResponse:
    items = services.assess_batch(body.orders)
    results = [
        BatchResult(
            index=i.index,
            order_id=i.order_id,
            status=(i.error or {}).get("status", 200 if i.replayed else 201),
            decision=i.decision,
            error=i.error,
        )
        for i in items
    ]
    return BatchResponse(
        results=results,
        assessed=sum(1 for i in items if i.decision and not i.replayed),
        replayed=sum(1 for i in items if i.replayed),
        failed=sum(1 for i in items if i.error),
    )


@router.get("/v1/decisions/{ident}", tags=["decisions"])
def get_decision(ident: str, services: ServicesDep, _: Reader) -> Decision:
    """A decision by its id or by the order id."""
    return services.get_decision(ident)


@router.get("/v1/decisions", tags=["decisions"])
def list_decisions(
    services: ServicesDep,
    _: Reader,
    outcome: str | None = Query(None, pattern="^(approve|review|hold|decline)$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    return services.list_decisions(outcome=outcome, limit=limit, offset=offset)


@router.get("/v1/orders/{order_id}", tags=["decisions"])
def get_order(order_id: str, services: ServicesDep, _: Reader) -> dict[str, Any]:
    return services.get_order(order_id)


@router.get("/v1/schema/order", tags=["decisions"])
def order_schema(_: Reader) -> dict[str, Any]:
    """The published JSON Schema of an order."""
    return Order.model_json_schema()
