"""Dependencies declared once and reused by every router (``Annotated`` aliases)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from borderline.auth import Principal
from borderline.service import Services

# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, and each such hop cost more than the work (a request paid three).


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def current_principal(request: Request, services: ServicesDep) -> Principal:
    # The web dashboard authenticates by session and stores the principal on the request.
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None:
        return principal
    secret = _api_key(request)
    # A key seen in the last seconds needs no query and no thread (``auth.KeyCache``).
    known = services.api_keys.get(secret)
    if known is not None:
        return known
    return await run_in_threadpool(_authenticate, services, secret)


def _authenticate(services: Services, secret: str | None) -> Principal:
    with services.sessions() as session:
        return services.api_keys.authenticate(session, secret)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Callable[[Principal], Awaitable[Principal]]:
    """``Depends(require("write"))``: the caller's role must grant ``permission``."""

    async def check(principal: PrincipalDep) -> Principal:
        principal.require(permission)
        return principal

    return check


Reader = Annotated[Principal, Depends(require("read"))]
Assessor = Annotated[Principal, Depends(require("assess"))]
Labeller = Annotated[Principal, Depends(require("label"))]
Writer = Annotated[Principal, Depends(require("write"))]
Activator = Annotated[Principal, Depends(require("activate"))]
Admin = Annotated[Principal, Depends(require("admin"))]
