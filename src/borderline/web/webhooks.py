"""The dashboard's Webhooks page (admins): register and disable endpoints, read the delivery
log, re-send a delivery. Thin over :mod:`borderline.webhooks`."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from borderline import webhooks
from borderline.web.plumbing import (
    WebRoute,
    _str,
    form_of,
    need,
    render,
    services_of,
    session_of,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/web/webhooks")
def webhooks_page(request: Request) -> Response:
    ws = session_of(request)
    need(ws.principal, "admin")
    services = services_of(request)
    status = request.query_params.get("status") or None
    return render(
        request,
        "webhooks.html",
        endpoints=webhooks.list_endpoints(services.sessions),
        deliveries=webhooks.list_deliveries(services.sessions, status=status, limit=100),
        event_types=webhooks.EVENT_TYPES,
        status=status,
    )


@router.post("/web/webhooks")
async def webhooks_add(request: Request) -> Response:
    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "admin")
    services = services_of(request)
    events = [v for v in form.getlist("events") if isinstance(v, str)]
    created = await run_in_threadpool(
        lambda: webhooks.create_endpoint(
            services.sessions,
            services.ledger,
            url=_str(form, "url"),
            events=events,
            actor=ws.principal.name,
            description=_str(form, "description") or None,
        )
    )
    # The one time the secret is shown: on this page, not in a redirect URL or a log.
    return render(
        request,
        "webhooks.html",
        201,
        created=created,
        endpoints=webhooks.list_endpoints(services.sessions),
        deliveries=webhooks.list_deliveries(services.sessions, limit=100),
        event_types=webhooks.EVENT_TYPES,
        status=None,
    )


@router.post("/web/webhooks/{endpoint_id}/disable")
async def webhooks_disable(endpoint_id: str, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "admin")
    services = services_of(request)
    await run_in_threadpool(
        webhooks.disable_endpoint,
        services.sessions,
        services.ledger,
        endpoint_id,
        ws.principal.name,
    )
    return RedirectResponse("/web/webhooks?msg=" + quote(f"Disabled {endpoint_id}."), 303)


@router.post("/web/webhooks/deliveries/{delivery_id}/resend")
async def webhooks_resend(delivery_id: int, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "admin")
    services = services_of(request)
    await run_in_threadpool(webhooks.resend, services.sessions, delivery_id, ws.principal.name)
    return RedirectResponse(
        "/web/webhooks?msg=" + quote(f"Delivery {delivery_id} queued again."), 303
    )
