"""The workspace's plumbing: templates, the route class that turns domain errors into pages,
session and CSRF checks, and the security-header middleware. Every page module uses these."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from borderline.auth import Principal
from borderline.cases import DISPOSITIONS
from borderline.errors import BorderlineError, Forbidden
from borderline.samples import samples_loading
from borderline.service import Services
from borderline.web import auth as webauth
from borderline.web import charts

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
    ctx.setdefault("samples_loading", samples_loading(request.app.state.services.settings.data_dir))
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


class SessionMiddleware:
    """Attach the signed-in user to every request; guard cookie-authenticated API writes.

    Plain ASGI in front of the work: a request outside ``/web`` that carries no session
    cookie, or that authenticates with an API key, has nothing for it to do (the pages read
    ``request.state.web_session`` with a default), so it goes straight on without the task
    ``BaseHTTPMiddleware`` runs per request: that is every call of an integration. Pages and
    cookie-authenticated calls go through :class:`_SessionDispatch`.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.dispatch = _SessionDispatch(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope.get("path", "").startswith("/web"):
            cookie = key = False
            for name, _ in scope["headers"]:
                if name == b"cookie":
                    cookie = True
                elif name in (b"authorization", b"x-api-key"):
                    key = True
            if key or not cookie:
                await self.app(scope, receive, send)
                return
        await self.dispatch(scope, receive, send)


class _SessionDispatch(BaseHTTPMiddleware):
    """The signed-in user and the CSRF check, for pages and cookie-authenticated calls."""

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


def _safe_next(target: str) -> str:
    # Only same-site paths: never redirect a freshly signed-in user to another site.
    return target if target.startswith("/web") and not target.startswith("//") else "/web/queue"
