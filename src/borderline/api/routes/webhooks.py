"""Outbound webhooks (admin only): endpoints, the delivery log, re-sends.

``install`` runs the dispatcher beside the server for the life of the app (lifespan), unless
``BORDERLINE_WEBHOOKS_DISPATCH=0``; requests never wait for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from borderline import webhooks
from borderline.api.deps import Admin, ServicesDep
from borderline.settings import env

router = APIRouter(tags=["webhooks"])


class EndpointIn(BaseModel):
    url: str = Field(max_length=2000, description="Where to POST events (http or https)")
    events: list[str] = Field(
        min_length=1, max_length=20, description=", ".join(webhooks.EVENT_TYPES)
    )
    description: str | None = Field(default=None, max_length=200)


@router.post("/v1/webhooks", status_code=201)
def create_webhook(body: EndpointIn, services: ServicesDep, who: Admin) -> dict[str, Any]:
    """Register an endpoint. The answer's ``secret`` signs every delivery; it is shown once."""
    return webhooks.create_endpoint(
        services.sessions,
        services.ledger,
        url=body.url,
        events=body.events,
        actor=who.name,
        description=body.description,
    )


@router.get("/v1/webhooks")
def get_webhooks(services: ServicesDep, _: Admin) -> list[dict[str, Any]]:
    return webhooks.list_endpoints(services.sessions)


@router.delete("/v1/webhooks/{endpoint_id}", status_code=204)
def delete_webhook(endpoint_id: str, services: ServicesDep, who: Admin) -> None:
    """Disable an endpoint: nothing more is sent to it; its delivery log is kept."""
    webhooks.disable_endpoint(services.sessions, services.ledger, endpoint_id, who.name)


@router.post("/v1/webhooks/{endpoint_id}/test", status_code=202)
def test_webhook(endpoint_id: str, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Queue a signed ``ping`` event to the endpoint."""
    return {"event_id": webhooks.send_test(services.sessions, endpoint_id)}


@router.get("/v1/webhooks/deliveries")
def get_deliveries(
    services: ServicesDep,
    _: Admin,
    endpoint_id: str | None = None,
    status: str | None = Query(None, pattern="^(pending|delivered|failed)$"),
    event_type: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    return webhooks.list_deliveries(
        services.sessions,
        endpoint_id=endpoint_id,
        status=status,
        event_type=event_type,
        limit=limit,
    )


@router.get("/v1/webhooks/deliveries/{delivery_id}")
def get_delivery(delivery_id: int, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """A delivery, its event body and every attempt (status code, error, duration)."""
    return webhooks.get_delivery(services.sessions, delivery_id)


@router.post("/v1/webhooks/deliveries/{delivery_id}/resend", status_code=202)
def resend_delivery(delivery_id: int, services: ServicesDep, who: Admin) -> dict[str, Any]:
    """Queue the delivery again now, with a fresh round of attempts."""
    return webhooks.resend(services.sessions, delivery_id, who.name)


def install(app: FastAPI) -> None:
    if env("WEBHOOKS_DISPATCH").strip().lower() in ("0", "false", "no", "off"):
        return
    dispatcher = webhooks.Dispatcher(app.state.services.sessions)
    app.state.webhook_dispatcher = dispatcher
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        dispatcher.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            dispatcher.stop()

    app.router.lifespan_context = lifespan
