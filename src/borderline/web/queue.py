"""The review queue and the order/decision page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from borderline import accounts
from borderline.cases import (
    QUEUE_OUTCOMES,
    SORTS,
    QueueFilter,
    cases_for_decision,
    claim,
    claim_of,
    open_case,
    queue,
)
from borderline.errors import InvalidInput
from borderline.web import explain
from borderline.web.plumbing import (
    _safe_next,
    _str,
    form_of,
    need,
    render,
    router,
    services_of,
    session_of,
)

# -- review queue ------------------------------------------------------------------------------


def _num(v: str | None) -> float | None:
    if v is None or not v.strip():
        return None
    try:
        return float(v)
    except ValueError:
        raise InvalidInput(f"{v!r} is not a number", where="filter") from None


@router.get("/web/queue")
def queue_page(request: Request) -> Response:
    ws = session_of(request)
    qp = request.query_params
    assignee = qp.get("assignee")
    if assignee == "me":
        assignee = ws.principal.name
    elif assignee == "none":
        assignee = ""
    elif not assignee:
        assignee = None
    f = QueueFilter(
        outcome=qp.get("outcome") or None,
        min_score=_num(qp.get("min_score")),
        max_score=_num(qp.get("max_score")),
        min_amount=_num(qp.get("min_amount")),
        max_amount=_num(qp.get("max_amount")),
        origin=(qp.get("origin") or "").strip() or None,
        destination=(qp.get("destination") or "").strip() or None,
        finding=(qp.get("finding") or "").strip() or None,
        assignee=assignee,
        min_age_hours=_num(qp.get("min_age")),
        sort=str(qp.get("sort")) if qp.get("sort") in SORTS else "age",
        desc=qp.get("dir", "desc") != "asc",
        page=int(qp.get("page", "1")) if (qp.get("page") or "1").isdigit() else 1,
    )
    page = queue(services_of(request), f)
    users = [
        u.name
        for u in accounts.list_users(services_of(request))
        if u.role in ("analyst", "admin") and u.disabled_at is None
    ]
    params = {k: v for k, v in qp.items() if k not in ("page", "msg") and v}

    def link(**over: Any) -> str:
        return "/web/queue?" + urlencode({**params, **{k: v for k, v in over.items()}})

    return render(
        request,
        "queue.html",
        page=page,
        f=f,
        qp=qp,
        users=users,
        link=link,
        outcomes=QUEUE_OUTCOMES,
    )


def _selected(form: FormData) -> list[str]:
    return [v for v in form.getlist("decision_ids") if isinstance(v, str) and v]


@router.post("/web/queue/action")
async def queue_action(request: Request) -> Response:
    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "review")
    ids = _selected(form)
    action = _str(form, "action")
    back = _safe_next(_str(form, "back", "/web/queue"))
    sep = "&" if "?" in back else "?"
    services = services_of(request)
    if action == "claim":
        n = await run_in_threadpool(claim, services, ids, ws.principal.name, ws.principal.name)
        return RedirectResponse(f"{back}{sep}msg=" + quote(f"Claimed {n} decision(s)."), 303)
    if action == "assign":
        who = _str(form, "assignee")
        if not who:
            raise InvalidInput("choose someone to assign to", where="assignee")
        n = await run_in_threadpool(claim, services, ids, who, ws.principal.name)
        return RedirectResponse(f"{back}{sep}msg=" + quote(f"Assigned {n} to {who}."), 303)
    if action == "case":
        need(ws.principal, "write")
        cid = await run_in_threadpool(
            open_case, services, ids, ws.principal.name, _str(form, "title") or None
        )
        return RedirectResponse(f"/web/cases/{cid}?msg=" + quote("Case opened."), 303)
    raise InvalidInput("unknown action", where="action")


# -- order and decision ------------------------------------------------------------------------


@router.get("/web/decisions/{ident}")
def decision_page(ident: str, request: Request) -> Response:
    session_of(request)
    services = services_of(request)
    decision = services.get_decision(ident)
    order = services.get_order(decision.order_id)
    tree = explain.build(decision, order)
    linked = cases_for_decision(services, decision.decision_id)
    return render(
        request,
        "decision.html",
        d=decision,
        order=order,
        tree=tree,
        cases=linked,
        assignee=claim_of(services, decision.decision_id),
        open_case=next((c for c, st in linked if st == "open"), None),
        clear_hits=explain.can_clear_hits(),
    )


@router.get("/web/decisions/{ident}/verify")
def verify_receipt(ident: str, request: Request) -> JSONResponse:
    session_of(request)
    return JSONResponse(explain.verify_receipt(services_of(request), ident))
