"""The HTTP adapter: `create_app()` wires routers, error handling and limits; no logic."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

import borderline
from borderline.api import routes
from borderline.errors import BorderlineError
from borderline.service import Services


def _where(loc: tuple[Any, ...]) -> str:
    # ("body", "parties", 0, "address", "country") -> "parties[0].address.country"
    out = ""
    for part in loc:
        if part in ("body",) and not out:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


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


class BodyLimit(BaseHTTPMiddleware):
    """Refuse oversized bodies before reading them (413), so a 10 MB upload cannot hurt us."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return JSONResponse(
                    {"error": "bad_request", "message": "bad Content-Length"}, status_code=400
                )
            if int(length) > self.max_bytes:
                return JSONResponse(
                    {
                        "error": "payload_too_large",
                        "message": f"body of {length} bytes exceeds the limit of {self.max_bytes}",
                    },
                    status_code=413,
                )
        elif request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            if len(body) > self.max_bytes:
                return JSONResponse(
                    {
                        "error": "payload_too_large",
                        "message": f"body exceeds the limit of {self.max_bytes} bytes",
                    },
                    status_code=413,
                )
        return await call_next(request)


def create_app(services: Services | None = None) -> FastAPI:
    services = services or Services.open()
    app = FastAPI(
        title="Borderline",
        version=borderline.__version__,
        description="Risk engine for cross-border e-commerce. Every endpoint except /health "
        "needs an API key: `Authorization: Bearer bl_…`.",
    )
    app.state.services = services
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

    for mod in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{mod.name}")
        app.include_router(module.router)
        # A module may also install middleware or mounts (the web dashboard's static files).
        install = getattr(module, "install", None)
        if install is not None:
            install(app)
    return app
