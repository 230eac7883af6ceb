"""Block and allow lists, and the sanctions list versions and whitelist."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from borderline.errors import InvalidInput
from borderline.web import explain
from borderline.web.plumbing import (
    _str,
    form_of,
    need,
    render,
    router,
    services_of,
    session_of,
)

# -- lists -------------------------------------------------------------------------------------


@router.get("/web/lists")
def lists_page(request: Request) -> Response:
    session_of(request)
    services = services_of(request)
    name = request.query_params.get("list") or None
    entries = services.list_entries(name)
    names = sorted({e["list"] for e in services.list_entries()})
    from borderline.assessors import LIST_KINDS

    return render(
        request,
        "lists.html",
        entries=entries,
        names=names,
        current=name,
        kinds=LIST_KINDS,
    )


@router.get("/web/lists/sanctions")
def sanctions_page(request: Request) -> Response:
    session_of(request)
    services = services_of(request)
    versions, whitelist = explain.sanctions_status(services)
    imports = explain.list_imports(services)
    return render(
        request, "sanctions.html", versions=versions, whitelist=whitelist, imports=imports
    )


@router.post("/web/lists")
async def lists_add(request: Request) -> Response:
    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "write")
    expires = _str(form, "expires")
    exp_dt = None
    if expires:
        try:
            exp_dt = datetime.fromisoformat(expires).replace(tzinfo=UTC)
        except ValueError:
            raise InvalidInput("expiry must be a date", where="expires") from None
    services = services_of(request)
    entry = await run_in_threadpool(
        lambda: services.add_list_entry(
            list_name=_str(form, "list"),
            kind=_str(form, "kind"),
            value=_str(form, "value"),
            action=_str(form, "action"),
            reason=_str(form, "reason") or None,
            actor=ws.principal.name,
            expires_at=exp_dt,
        )
    )
    return RedirectResponse(
        "/web/lists?msg=" + quote(f"Added {entry['kind']} {entry['value']} to {entry['list']}."),
        303,
    )


@router.post("/web/lists/{entry_id}/remove")
async def lists_remove(entry_id: int, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "write")
    await run_in_threadpool(services_of(request).remove_list_entry, entry_id, ws.principal.name)
    return RedirectResponse("/web/lists?msg=" + quote(f"Removed entry {entry_id}."), 303)
