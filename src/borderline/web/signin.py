"""Signing in and out of the workspace."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from borderline import accounts
from borderline.web import auth as webauth
from borderline.web import throttle
from borderline.web.plumbing import (
    BadCsrf,
    _safe_next,
    _set_pre_cookie,
    _str,
    form_of,
    render,
    router,
    services_of,
    session_of,
)

# -- sign-in -----------------------------------------------------------------------------------


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/queue", status_code=303)


@router.get("/web")
@router.get("/web/")
def web_root() -> RedirectResponse:
    return RedirectResponse("/web/queue", status_code=303)


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
        max_age=int(accounts.SESSION_TTL.total_seconds()),
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
