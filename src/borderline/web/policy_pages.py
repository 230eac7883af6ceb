"""Policy versions: list, editor with live checking, save, backtest and activation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from borderline.errors import InvalidInput
from borderline.service import Services
from borderline.web import auth as webauth
from borderline.web.plumbing import (
    BadCsrf,
    _str,
    form_of,
    need,
    render,
    router,
    services_of,
    session_of,
)

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
