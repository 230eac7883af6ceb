"""The analyst's workspace: server-rendered pages under /web, thin over Services and cases.

Routes parse the request, check the signed-in user's permission and CSRF token, call
:mod:`borderline.cases.service` or ``Services`` and render a template. Domain errors become an
HTML page with the same status the API would use (403 forbidden, 409 conflict, ...).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from borderline.auth import Principal
from borderline.cases import DISPOSITIONS, QUEUE_OUTCOMES
from borderline.cases import service as cases
from borderline.errors import BorderlineError, Conflict, Forbidden, InvalidInput, NotFound
from borderline.samples.loading import samples_loading
from borderline.service import Services
from borderline.web import analytics, charts, explain, throttle
from borderline.web import auth as webauth

HERE = Path(__file__).parent
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(charts=charts, DISPOSITIONS=DISPOSITIONS, quote=quote)

# What each permission means to a person, for the "you may not" page.
PERMISSION_WORDS = {
    "write": "change stored data (cases, lists, policy drafts)",
    "review": "work the review queue",
    "label": "disposition cases",
    "activate": "activate policies (admins only)",
    "admin": "administer users and keys (admins only)",
}


class LoginRequired(Exception):
    def __init__(self, expired: bool) -> None:
        self.expired = expired


class BadCsrf(Exception):
    pass


def _set_pre_cookie(resp: Response, secret: bytes, token: str, secure: bool = False) -> None:
    """The pre-sign-in cookie that carries the sign-in form's CSRF token."""
    resp.set_cookie(
        webauth.PRE_COOKIE,
        webauth.sign(secret, token),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/web",
    )


def _fmt_age(hours: float) -> str:
    if hours < 1:
        return f"{int(hours * 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.0f} d"


def _fmt_dt(dt: Any) -> str:
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    if dt is None:
        return ""
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return str(dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))


env.filters.update(age=_fmt_age, dt=_fmt_dt, money=lambda v: f"{float(v):,.2f}")


def render(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
    ws: webauth.WebSession | None = getattr(request.state, "web_session", None)
    secret: bytes = request.app.state.web_secret
    ctx.setdefault("msg", request.query_params.get("msg"))
    ctx.setdefault(
        "samples_loading", samples_loading(request.app.state.services.settings.data_dir)
    )
    html = env.get_template(name).render(
        request=request,
        user=ws.principal if ws else None,
        csrf=webauth.csrf_for(secret, ws.token) if ws else "",
        path=request.url.path,
        **ctx,
    )
    return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})


class WebRoute(APIRoute):
    """Turns domain errors, missing sessions and bad CSRF tokens into pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                if request.method not in SAFE_METHODS:
                    target = request.headers.get("referer", "/web/queue")
                    kept = await _unsaved_text(request)
                    if kept:
                        # Nothing was saved; show what they typed so no work is lost.
                        return await _login_with_kept(
                            request, _safe_next(_path_of(target)), kept, exc.expired
                        )
                q = {"next": target}
                if exc.expired:
                    q["expired"] = "1"
                return RedirectResponse("/web/login?" + urlencode(q), status_code=303)
            except BadCsrf:
                return render(
                    request,
                    "error.html",
                    403,
                    title="Security check failed",
                    message="This form's security token is missing or invalid (it may come "
                    "from an old tab or another site). Nothing was changed. Go back, reload "
                    "the page and try again.",
                )
            except BorderlineError as exc:
                titles = {
                    401: "Sign in needed",
                    403: "Not allowed",
                    404: "Not found",
                    409: "Conflict",
                    422: "Please check your input",
                }
                return render(
                    request,
                    "error.html",
                    exc.status,
                    title=titles.get(exc.status, "Error"),
                    message=exc.message,
                    where=exc.where,
                )

        return wrapped


router = APIRouter(route_class=WebRoute, include_in_schema=False)

# Form fields that carry no user-written text (never echoed back after an expired session).
_PLUMBING = {"csrf", "version", "back", "action", "decision_ids", "base", "next", "list"}


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _unsaved_text(request: Request) -> list[tuple[str, str]]:
    try:
        form = await request.form()
    except Exception:  # not a form post; nothing to keep
        return []
    return [
        (k, v)
        for k, v in form.multi_items()
        if isinstance(v, str) and v.strip() and k not in _PLUMBING and len(v) > 0
    ]


async def _login_with_kept(
    request: Request, nxt: str, kept: list[tuple[str, str]], expired: bool
) -> Response:
    import secrets as _secrets

    secret: bytes = request.app.state.web_secret
    pre = webauth.unsign(secret, request.cookies.get(webauth.PRE_COOKIE))
    fresh = pre is None
    pre = pre or _secrets.token_urlsafe(16)
    resp = render(
        request,
        "login.html",
        401,
        login_csrf=webauth.csrf_for(secret, pre),
        next=nxt,
        notice=("Your session expired" if expired else "You are signed out")
        + " before this was saved. Nothing was changed. Sign in again, then paste your "
        "text back:",
        kept=kept,
    )
    if fresh:
        _set_pre_cookie(resp, secret, pre, secure=request.url.scheme == "https")
    return resp


# -- session plumbing --------------------------------------------------------------------------


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def session_of(request: Request) -> webauth.WebSession:
    ws: webauth.WebSession | None = getattr(request.state, "web_session", None)
    if ws is None:
        raise LoginRequired(bool(getattr(request.state, "web_expired", False)))
    return ws


def need(p: Principal, permission: str) -> None:
    if not p.can(permission):
        raise Forbidden(
            f"Signed in as {p.name} ({p.role}): your role may not "
            f"{PERMISSION_WORDS.get(permission, permission)}. Ask an admin if you need this."
        )


async def form_of(request: Request, ws: webauth.WebSession | None = None) -> FormData:
    form = await request.form()
    secret: bytes = request.app.state.web_secret
    token = ws.token if ws else None
    if not webauth.csrf_ok(secret, token, str(form.get("csrf") or "")):
        raise BadCsrf()
    return form


def _str(form: FormData, key: str, default: str = "") -> str:
    v = form.get(key)
    return v if isinstance(v, str) else default


class SessionMiddleware(BaseHTTPMiddleware):
    """Attach the signed-in user to every request; guard cookie-authenticated API writes."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if path.startswith("/web/static/"):
            return await call_next(request)
        request.state.web_session = None
        request.state.web_expired = False
        cookie = request.cookies.get(webauth.COOKIE)
        has_key = "authorization" in request.headers or "x-api-key" in request.headers
        if cookie and not has_key:
            secret: bytes = request.app.state.web_secret
            token = webauth.unsign(secret, cookie)
            if token:
                ws, expired = await run_in_threadpool(
                    webauth.lookup, request.app.state.services, token
                )
                request.state.web_session = ws
                request.state.web_expired = expired
                if ws is not None:
                    # api/deps.current_principal honours this, so page scripts can call /v1.
                    request.state.principal = ws.principal
                    unsafe_api = path.startswith("/v1/") and request.method not in SAFE_METHODS
                    if unsafe_api and not webauth.csrf_ok(
                        secret, token, request.headers.get("x-csrf-token")
                    ):
                        return JSONResponse(
                            {
                                "error": "forbidden",
                                "message": "missing or invalid X-CSRF-Token header",
                            },
                            status_code=403,
                        )
        response = await call_next(request)
        if path.startswith("/web"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            )
        return response


def install(app: FastAPI) -> None:
    app.state.web_secret = webauth.session_secret(app.state.services)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
    # Until the entry point is declared in pyproject.toml, register case-event resolvers here
    # so `POST /v1/ledger/verify` re-checks case actions in this process.
    if "case.note" not in app.state.services.ledger.resolvers:
        cases.register_ledger(app.state.services.ledger)
    app.add_middleware(SessionMiddleware)
    # Analytics take about a second on 100k decisions, and the first copy of queued decisions
    # into cases_queue about as long: do both before anyone asks.
    analytics.warm(app.state.services)
    threading.Thread(target=_warm_queue, args=(app.state.services,), daemon=True).start()


def _warm_queue(services: Services) -> None:
    try:
        cases.sync_queue(services)
    except Exception:  # never fatal: the queue page syncs on demand too
        logging.getLogger(__name__).debug("queue warm-up failed", exc_info=True)


# -- sign-in -----------------------------------------------------------------------------------


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/queue", status_code=303)


@router.get("/web")
@router.get("/web/")
def web_root() -> RedirectResponse:
    return RedirectResponse("/web/queue", status_code=303)


def _safe_next(target: str) -> str:
    # Only same-site paths: never redirect a freshly signed-in user to another site.
    return target if target.startswith("/web") and not target.startswith("//") else "/web/queue"


@router.get("/web/login")
def login_page(request: Request) -> Response:
    secret: bytes = request.app.state.web_secret
    pre = request.cookies.get(webauth.PRE_COOKIE)
    pre_token = webauth.unsign(secret, pre) if pre else None
    import secrets as _secrets

    fresh = pre_token is None
    pre_token = pre_token or _secrets.token_urlsafe(16)
    notice = None
    if request.query_params.get("expired"):
        notice = "Your session expired. Sign in again to continue."
    elif request.query_params.get("out"):
        notice = "You are signed out."
    resp = render(
        request,
        "login.html",
        login_csrf=webauth.csrf_for(secret, pre_token),
        next=_safe_next(request.query_params.get("next", "/web/queue")),
        notice=notice,
    )
    if fresh:
        _set_pre_cookie(resp, secret, pre_token, secure=request.url.scheme == "https")
    return resp


@router.post("/web/login")
async def login(request: Request) -> Response:
    secret: bytes = request.app.state.web_secret
    pre = webauth.unsign(secret, request.cookies.get(webauth.PRE_COOKIE))
    form = await request.form()
    if not webauth.csrf_ok(secret, pre, str(form.get("csrf") or "")):
        raise BadCsrf()
    name, password = _str(form, "username"), _str(form, "password")
    services = services_of(request)
    addr = request.client.host if request.client else None
    wait = await run_in_threadpool(throttle.begin_attempt, services, name, addr)
    if wait > 0:
        return render(
            request,
            "login.html",
            429,
            login_csrf=webauth.csrf_for(secret, pre or ""),
            next=_safe_next(_str(form, "next", "/web/queue")),
            username=name,
            error=f"Too many wrong passwords. Try again in {int(wait) + 1} second(s).",
        )
    ws = await run_in_threadpool(webauth.sign_in, services, name, password)
    if ws is not None:
        await run_in_threadpool(throttle.succeeded, services, name, addr)
    nxt = _safe_next(_str(form, "next", "/web/queue"))
    if ws is None:
        return render(
            request,
            "login.html",
            401,
            login_csrf=webauth.csrf_for(secret, pre or ""),
            next=nxt,
            error="Wrong user name or password.",
            username=name,
        )
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(
        webauth.COOKIE,
        webauth.sign(secret, ws.token),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(webauth.SESSION_TTL.total_seconds()),
        path="/",
    )
    return resp


@router.post("/web/logout")
async def logout(request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    await run_in_threadpool(webauth.sign_out, services_of(request), ws.token)
    resp = RedirectResponse("/web/login?out=1", status_code=303)
    resp.delete_cookie(webauth.COOKIE, path="/")
    return resp


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
    f = cases.QueueFilter(
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
        sort=str(qp.get("sort")) if qp.get("sort") in cases.SORTS else "age",
        desc=qp.get("dir", "desc") != "asc",
        page=int(qp.get("page", "1")) if (qp.get("page") or "1").isdigit() else 1,
    )
    page = cases.queue(services_of(request), f)
    users = [
        u.name
        for u in webauth.list_users(services_of(request))
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
        n = await run_in_threadpool(
            cases.claim, services, ids, ws.principal.name, ws.principal.name
        )
        return RedirectResponse(f"{back}{sep}msg=" + quote(f"Claimed {n} decision(s)."), 303)
    if action == "assign":
        who = _str(form, "assignee")
        if not who:
            raise InvalidInput("choose someone to assign to", where="assignee")
        n = await run_in_threadpool(cases.claim, services, ids, who, ws.principal.name)
        return RedirectResponse(f"{back}{sep}msg=" + quote(f"Assigned {n} to {who}."), 303)
    if action == "case":
        need(ws.principal, "write")
        cid = await run_in_threadpool(
            cases.open_case, services, ids, ws.principal.name, _str(form, "title") or None
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
    linked = cases.cases_for_decision(services, decision.decision_id)
    return render(
        request,
        "decision.html",
        d=decision,
        order=order,
        tree=tree,
        cases=linked,
        assignee=cases.claim_of(services, decision.decision_id),
        open_case=next((c for c, st in linked if st == "open"), None),
        clear_hits=explain.can_clear_hits(),
    )


@router.get("/web/decisions/{ident}/verify")
def verify_receipt(ident: str, request: Request) -> JSONResponse:
    session_of(request)
    return JSONResponse(explain.verify_receipt(services_of(request), ident))


# -- cases -------------------------------------------------------------------------------------


@router.get("/web/cases")
def cases_page(request: Request) -> Response:
    ws = session_of(request)
    qp = request.query_params
    status = qp.get("status", "open")
    mine = qp.get("mine") == "1"
    page = int(qp.get("page", "1")) if (qp.get("page") or "1").isdigit() else 1
    rows, total = cases.list_cases(
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
    data = cases.get_case(services_of(request), case_id)
    users = [
        u.name
        for u in webauth.list_users(services_of(request))
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
            await run_in_threadpool(cases.add_note, services, case_id, _str(form, "note"), p.name)
            msg = "Note added."
        elif action == "assign":
            need(p, "review")
            await run_in_threadpool(
                cases.assign_case, services, case_id, _str(form, "assignee"), p.name, expected
            )
            msg = "Case assigned."
        elif action == "disposition":
            need(p, "label")
            need(p, "write")
            if expected is None:
                raise InvalidInput("the form lost its case version; reload", where="version")
            labels = await run_in_threadpool(
                cases.disposition,
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
            await run_in_threadpool(cases.reopen, services, case_id, p.name, expected)
            msg = "Case reopened."
        elif action == "attach":
            need(p, "write")
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("choose a file to attach", where="file")
            data = await upload.read(cases.MAX_ATTACHMENT_BYTES + 1)
            await run_in_threadpool(
                cases.add_attachment,
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
            reason = _str(form, "reason").strip()
            if not reason:
                raise InvalidInput("say why this party is cleared", where="reason")
            entry = await run_in_threadpool(
                lambda: services.add_list_entry(
                    list_name=_str(form, "list") or "screening-cleared",
                    kind=_str(form, "kind"),
                    value=_str(form, "value"),
                    action="allow",
                    reason=f"{reason} (case {case_id})",
                    actor=p.name,
                    expires_at=exp_dt,
                )
            )
            await run_in_threadpool(
                cases.add_note,
                services,
                case_id,
                f"Allow-listed {entry['kind']} {entry['value']} on {entry['list']}"
                + (f" until {expires}" if expires else "")
                + f": {reason}",
                p.name,
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
    row = cases.get_attachment(services_of(request), case_id, attachment_id)
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
    cid = await run_in_threadpool(cases.open_case, services, [d.decision_id], ws.principal.name)
    return RedirectResponse(f"/web/cases/{cid}?msg=" + quote("Case opened."), status_code=303)


@router.post("/web/decisions/{ident}/clear-hit")
async def clear_hit(ident: str, request: Request) -> Response:
    """Record a screening whitelist decision (reason, expiry) for one hit of this decision."""
    import re

    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "write")
    services = services_of(request)
    d = services.get_decision(ident)
    order = services.get_order(d.order_id)
    m = re.match(r"parties\[(\d+)\]", _str(form, "party"))
    if m is None or int(m.group(1)) >= len(order.get("parties", [])):
        raise InvalidInput("the hit does not name a party of this order", where="party")
    reason = _str(form, "reason").strip()
    if not reason:
        raise InvalidInput("say why this match is a false positive", where="reason")
    expires = _str(form, "expires")
    try:
        exp_dt = datetime.fromisoformat(expires).replace(tzinfo=UTC) if expires else None
    except ValueError:
        raise InvalidInput("expiry must be a date", where="expires") from None
    try:
        from borderline.model import Order
        from borderline.screening import service as screening_service
        from borderline.screening.assessor import party_keys
    except Exception:
        raise NotFound("screening whitelists are not available in this installation") from None
    party = Order.model_validate(order).parties[int(m.group(1))]
    entry = await run_in_threadpool(
        lambda: screening_service.add_whitelist(
            services,
            party_key=party_keys(party)[0],
            list_name=_str(form, "list"),
            source_id=_str(form, "source_id"),
            reason=reason,
            actor=ws.principal.name,
            expires_at=exp_dt,
        )
    )
    for cid, status in cases.cases_for_decision(services, d.decision_id):
        if status == "open":
            await run_in_threadpool(
                cases.add_note,
                services,
                cid,
                f"Whitelisted {party.name} against {_str(form, 'list')} "
                f"{_str(form, 'source_id')}"
                + (f" until {expires}" if expires else "")
                + f": {reason} (decision {entry.get('id', '')})",
                ws.principal.name,
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
    await run_in_threadpool(
        cases.claim, services, [d.decision_id], ws.principal.name, ws.principal.name
    )
    return RedirectResponse(f"/web/decisions/{d.decision_id}?msg=" + quote("Claimed."), 303)


# -- policies ----------------------------------------------------------------------------------


def _check(services: Services, source: str) -> dict[str, Any] | None:
    """None if the policy compiles, else the error with its line and column."""
    try:
        services.check_policy(source)
    except InvalidInput as exc:
        line, col = 0, 0
        if exc.where and ":" in exc.where:
            a, _, b = exc.where.partition(":")
            line, col = (int(a) if a.isdigit() else 0), (int(b) if b.isdigit() else 0)
        return {
            "message": exc.message,
            "where": exc.where,
            "line": line,
            "col": col,
            "context": exc.details.get("context", ""),
        }
    return None


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Line diff of two policy versions as (kind, text): kind is '+', '-', '@' or ' '."""
    import difflib

    if old["version"] == new["version"]:
        return []
    lines = difflib.unified_diff(
        old["source"].splitlines(),
        new["source"].splitlines(),
        f"v{old['version']}",
        f"v{new['version']}",
        lineterm="",
        n=2,
    )
    return [(ln[:1] if ln[:1] in "+-@" else " ", ln) for ln in list(lines)[2:]]


@router.get("/web/policies")
def policies_page(request: Request) -> Response:
    session_of(request)
    return render(request, "policies.html", policies=services_of(request).list_policies())


@router.get("/web/policies/new")
def policy_new(request: Request) -> Response:
    ws = session_of(request)
    need(ws.principal, "write")
    services = services_of(request)
    base = request.query_params.get("from")
    src = services.get_policy(int(base) if base and base.isdigit() else None)
    return render(
        request,
        "policy_edit.html",
        source=src["source"],
        base=src["version"],
        error=None,
        comment="",
    )


@router.post("/web/policies/check")
async def policy_check(request: Request) -> JSONResponse:
    ws = session_of(request)
    secret: bytes = request.app.state.web_secret
    if not webauth.csrf_ok(secret, ws.token, request.headers.get("x-csrf-token")):
        raise BadCsrf()
    body = await request.json()
    source = body.get("source") if isinstance(body, dict) else None
    if not isinstance(source, str):
        raise InvalidInput('send {"source": "..."}', where="source")
    err = await run_in_threadpool(_check, services_of(request), source)
    return JSONResponse({"ok": err is None, "error": err})


@router.post("/web/policies")
async def policy_save(request: Request) -> Response:
    ws = session_of(request)
    form = await form_of(request, ws)
    need(ws.principal, "write")
    services = services_of(request)
    source = _str(form, "source").replace("\r\n", "\n")
    comment = _str(form, "comment")
    err = (
        await run_in_threadpool(_check, services, source)
        if source.strip()
        else {"message": "the policy is empty", "where": "1:1", "line": 1, "col": 1, "context": ""}
    )
    if err is not None:
        return render(
            request,
            "policy_edit.html",
            422,
            source=source,
            base=_str(form, "base"),
            error=err,
            comment=comment,
        )
    row = await run_in_threadpool(
        services.create_policy, source, ws.principal.name, comment or None
    )
    return RedirectResponse(
        f"/web/policies/{row['version']}?msg="
        + quote(f"Draft version {row['version']} saved. Backtest it next."),
        303,
    )


@router.get("/web/policies/{version}")
def policy_page(version: int, request: Request) -> Response:
    session_of(request)
    services = services_of(request)
    pol = services.get_policy(version)
    active = services.get_policy()
    return render(
        request, "policy.html", pol=pol, active=active, report=None, diff=_diff(active, pol)
    )


@router.post("/web/policies/{version}/backtest")
async def policy_backtest(version: int, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "write")
    services = services_of(request)
    report = await run_in_threadpool(
        lambda: services.backtest(version, actor=ws.principal.name).to_dict()
    )
    pol = services.get_policy(version)
    outcomes = ["approve", "review", "hold", "decline"]
    return render(
        request,
        "policy.html",
        pol=pol,
        active=services.get_policy(),
        report=report,
        outcomes=outcomes,
    )


@router.post("/web/policies/{version}/activate")
async def policy_activate(version: int, request: Request) -> Response:
    ws = session_of(request)
    await form_of(request, ws)
    need(ws.principal, "activate")
    await run_in_threadpool(services_of(request).activate_policy, version, ws.principal.name)
    return RedirectResponse(
        f"/web/policies/{version}?msg=" + quote(f"Version {version} is now active."), 303
    )


# -- lists -------------------------------------------------------------------------------------


@router.get("/web/lists")
def lists_page(request: Request) -> Response:
    session_of(request)
    services = services_of(request)
    name = request.query_params.get("list") or None
    entries = services.list_entries(name)
    names = sorted({e["list"] for e in services.list_entries()})
    from borderline.assessors.lists import LIST_KINDS

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


# -- analytics ---------------------------------------------------------------------------------


@router.get("/web/analytics")
def analytics_page(request: Request) -> Response:
    session_of(request)
    data = analytics.summary(services_of(request))
    return render(request, "analytics.html", a=data, json=json)
