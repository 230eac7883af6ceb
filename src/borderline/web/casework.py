"""Cases: list, page, actions (notes, assignment, dispositions, attachments, allow-listing), and
cases opened, claimed or cleared from a decision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from borderline import accounts
from borderline.cases import (
    MAX_ATTACHMENT_BYTES,
    add_attachment,
    add_note,
    allow_party,
    assign_case,
    claim,
    disposition,
    get_attachment,
    get_case,
    list_cases,
    open_case,
    reopen,
)
from borderline.cases import clear_hit as actions_clear_hit
from borderline.errors import Conflict, InvalidInput, NotFound
from borderline.web import analytics
from borderline.web.plumbing import (
    _str,
    form_of,
    need,
    render,
    router,
    services_of,
    session_of,
)

# -- cases -------------------------------------------------------------------------------------


@router.get("/web/cases")
def cases_page(request: Request) -> Response:
    ws = session_of(request)
    qp = request.query_params
    status = qp.get("status", "open")
    mine = qp.get("mine") == "1"
    page = int(qp.get("page", "1")) if (qp.get("page") or "1").isdigit() else 1
    rows, total = list_cases(
        services_of(request), status or None, ws.principal.name if mine else None, page
    )
    return render(
        request,
        "cases.html",
        rows=rows,
        total=total,
        status=status,
        mine=mine,
        page=page,
        pages=max(1, -(-total // 50)),
    )


def _case_page(request: Request, case_id: str, code: int = 200, **extra: Any) -> Response:
    data = get_case(services_of(request), case_id)
    users = [
        u.name
        for u in accounts.list_users(services_of(request))
        if u.role in ("analyst", "admin") and u.disabled_at is None
    ]
    return render(request, "case.html", code, users=users, **data, **extra)


@router.get("/web/cases/{case_id}")
def case_page(case_id: str, request: Request) -> Response:
    session_of(request)
    return _case_page(request, case_id)


@router.post("/web/cases/{case_id}/{action}")
async def case_action(case_id: str, action: str, request: Request) -> Response:
    ws = session_of(request)
    form = await form_of(request, ws)
    p = ws.principal
    services = services_of(request)
    version = _str(form, "version")
    expected = int(version) if version.isdigit() else None
    try:
        if action == "note":
            need(p, "write")
            await run_in_threadpool(add_note, services, case_id, _str(form, "note"), p.name)
            msg = "Note added."
        elif action == "assign":
            need(p, "review")
            await run_in_threadpool(
                assign_case, services, case_id, _str(form, "assignee"), p.name, expected
            )
            msg = "Case assigned."
        elif action == "disposition":
            need(p, "label")
            need(p, "write")
            if expected is None:
                raise InvalidInput("the form lost its case version; reload", where="version")
            labels = await run_in_threadpool(
                disposition,
                services,
                case_id,
                _str(form, "disposition"),
                p.name,
                expected,
                _str(form, "note"),
            )
            analytics.clear_cache()
            msg = f"Case closed; {len(labels)} label(s) recorded."
        elif action == "reopen":
            need(p, "write")
            if expected is None:
                raise InvalidInput("the form lost its case version; reload", where="version")
            await run_in_threadpool(reopen, services, case_id, p.name, expected)
            msg = "Case reopened."
        elif action == "attach":
            need(p, "write")
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("choose a file to attach", where="file")
            data = await upload.read(MAX_ATTACHMENT_BYTES + 1)
            await run_in_threadpool(
                add_attachment,
                services,
                case_id,
                upload.filename,
                upload.content_type or "",
                data,
                p.name,
            )
            msg = "File attached."
        elif action == "allow":
            need(p, "write")
            expires = _str(form, "expires")
            exp_dt = None
            if expires:
                try:
                    exp_dt = datetime.fromisoformat(expires).replace(tzinfo=UTC)
                except ValueError:
                    raise InvalidInput("expiry must be a date", where="expires") from None
            reason = _str(form, "reason")
            await run_in_threadpool(
                lambda: allow_party(
                    services,
                    case_id,
                    kind=_str(form, "kind"),
                    value=_str(form, "value"),
                    reason=reason,
                    actor=p.name,
                    expires_at=exp_dt,
                    list_name=_str(form, "list"),
                )
            )
            msg = "Allow-list entry added."
        else:
            raise NotFound(f"no case action {action!r}")
    except (Conflict, InvalidInput) as exc:
        # Show the case again with the user's input kept, so nothing they typed is lost.
        return _case_page(
            request, case_id, exc.status, error=exc.message, kept=dict(form), kept_action=action
        )
    return RedirectResponse(f"/web/cases/{case_id}?msg=" + quote(msg), status_code=303)


@router.get("/web/cases/{case_id}/attachments/{attachment_id}")
def attachment(case_id: str, attachment_id: int, request: Request) -> Response:
    session_of(request)
    row = get_attachment(services_of(request), case_id, attachment_id)
    # Always a download, never rendered inline: an uploaded HTML file must not run here.
    return Response(
        row.data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/web/decisions/{ident}/case")
async def case_from_decision(ident: str, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "write")
    services = services_of(request)
    d = services.get_decision(ident)
    cid = await run_in_threadpool(open_case, services, [d.decision_id], ws.principal.name)
    return RedirectResponse(f"/web/cases/{cid}?msg=" + quote("Case opened."), status_code=303)


@router.post("/web/decisions/{ident}/clear-hit")
async def clear_hit(ident: str, request: Request) -> Response:
    """Record a screening whitelist decision (reason, expiry) for one hit of this decision."""
    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "write")
    services = services_of(request)
    d = services.get_decision(ident)
    expires = _str(form, "expires")
    try:
        exp_dt = datetime.fromisoformat(expires).replace(tzinfo=UTC) if expires else None
    except ValueError:
        raise InvalidInput("expiry must be a date", where="expires") from None
    await run_in_threadpool(
        lambda: actions_clear_hit(
            services,
            d.decision_id,
            party=_str(form, "party"),
            list_name=_str(form, "list"),
            source_id=_str(form, "source_id"),
            reason=_str(form, "reason"),
            actor=ws.principal.name,
            expires_at=exp_dt,
        )
    )
    return RedirectResponse(
        f"/web/decisions/{d.decision_id}?msg=" + quote("Whitelist decision recorded."), 303
    )


@router.post("/web/decisions/{ident}/claim")
async def claim_decision(ident: str, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "review")
    services = services_of(request)
    d = services.get_decision(ident)
    await run_in_threadpool(claim, services, [d.decision_id], ws.principal.name, ws.principal.name)
    return RedirectResponse(f"/web/decisions/{d.decision_id}?msg=" + quote("Claimed."), 303)
