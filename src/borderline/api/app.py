"""The HTTP adapter: `create_app()` wires routers, error handling and limits; no logic."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import borderline
from borderline.api import routes
from borderline.api.batching import TurnBatcher
from borderline.api.docs import install_docs
from borderline.api.limits import InFlight, InputGuard, Overload, guard_params
from borderline.api.readiness import Readiness
from borderline.errors import BorderlineError, field_path
from borderline.service import Services


def _where(loc: tuple[Any, ...]) -> str:
    # ("body", "parties", 0, "address", "country") -> "parties[0].address.country"
    return field_path(loc[1:] if loc[:1] == ("body",) else loc) or "body"


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    items = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            # loc is ("body", <character offset>): say where the JSON broke.
            pos = loc[1] if len(loc) > 1 else "?"
            where = f"body (character {pos})"
            msg = f"malformed JSON: {err.get('ctx', {}).get('error', msg)}"
        else:
            where = _where(loc)
        items.append({"where": where, "message": msg, "type": err.get("type", "")})
    return items


async def _reply(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BodyLimit:
    """Refuse oversized bodies (413): by Content-Length before reading anything, and for
    chunked uploads as the bytes arrive, so a 10 MB body is never held in memory.

    Plain ASGI rather than ``BaseHTTPMiddleware``: it sits on every request's path and the
    latter costs a task and a stream per request.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(send, 400, {"error": "bad_request", "message": "bad Content-Length"})
                return
            if int(length) > self.max_bytes:
                await _reply(
                    send,
                    413,
                    {
                        "error": "payload_too_large",
                        "message": f"body of {int(length)} bytes exceeds the limit of "
                        f"{self.max_bytes}",
                    },
                )
                return
            await self.app(scope, receive, send)
            return
        seen = 0
        refused = False

        async def counting_receive() -> Any:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Answer now, then tell the app the client is gone: it stops reading and
                    # whatever it tries to send afterwards is dropped below.
                    refused = True
                    await _reply(
                        send,
                        413,
                        {
                            "error": "payload_too_large",
                            "message": f"body exceeds the limit of {self.max_bytes} bytes",
                        },
                    )
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Any) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.readiness.start()  # warm up in the background; /ready reports when done
    yield
    app.state.services.decisions.stop_group_commit()


def create_app(services: Services | None = None) -> FastAPI:
    services = services or Services.open()
    app = FastAPI(
        title="Borderline",
        version=borderline.__version__,
        description="Risk engine for cross-border e-commerce. Every endpoint except /health "
        "and /ready needs an API key: `Authorization: Bearer bl_…` (or `X-API-Key`), "
        "including this description (/openapi.json, /docs, /redoc).",
        # Served below behind a key: the description of every route is not public.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan,
        dependencies=[Depends(guard_params)],
    )
    app.state.services = services
    # Concurrent requests' decisions are stored together by one writer (decisions.group).
    services.decisions.start_group_commit()
    inflight = InFlight()
    app.state.batcher = TurnBatcher(services, inflight)  # orders arriving together
    app.state.readiness = Readiness(services)
    # Outermost first on the way in: refuse oversize, then overload, then bad input.
    app.add_middleware(InputGuard)
    app.add_middleware(Overload, max_inflight=services.settings.max_inflight, counter=inflight)
    app.add_middleware(BodyLimit, max_bytes=services.settings.max_body_bytes)

    @app.exception_handler(BorderlineError)
    async def _domain_error(_: Request, exc: BorderlineError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> JSONResponse:
        # The database refused or timed out even after a retry: tell the client to come back,
        # nothing was stored.
        return JSONResponse(
            {
                "error": "unavailable",
                "message": "database busy or unreachable; nothing was stored, retry",
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(PoolTimeout)
    async def _pool(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every pooled connection stayed busy for the pool timeout: overloaded, not broken.
        return JSONResponse(
            {"error": "unavailable", "message": "server busy; nothing was stored, retry"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        first = errors[0] if errors else {"where": "body", "message": "invalid"}
        return JSONResponse(
            {
                "error": "invalid_input",
                "message": first["message"],
                "where": first["where"],
                "details": {"errors": errors},
            },
            status_code=422,
        )

    install_docs(app)
    for mod in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{mod.name}")
        app.include_router(module.router)
        # A module may also install middleware or mounts (the web dashboard's static files).
        install = getattr(module, "install", None)
        if install is not None:
            install(app)
    return app
