"""The API's own description behind a key: /openapi.json, /docs and /redoc need ``read``.

The OpenAPI document declares both ways to present a key (``Authorization: Bearer`` and
``X-API-Key``) as security schemes required by every operation but the probes, so generated
clients and request fuzzers send it. In a browser, a signed-in dashboard session counts as the
key (the session cookie is honoured by ``current_principal``), so /docs works after sign-in.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse

from borderline.api.deps import Reader

PUBLIC = ("/health", "/ready")
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer bl_…`"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        doc.setdefault("components", {})["securitySchemes"] = SCHEMES
        doc["security"] = [{"bearer": []}, {"apiKey": []}]
        for path, ops in doc.get("paths", {}).items():
            if path in PUBLIC:
                for op in ops.values():
                    op["security"] = []
        app.openapi_schema = doc
    return app.openapi_schema


def install_docs(app: FastAPI) -> None:
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: Reader) -> JSONResponse:
        return JSONResponse(openapi_document(app))

    @app.get("/docs", include_in_schema=False)
    def docs(_: Reader) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")

    @app.get("/redoc", include_in_schema=False)
    def redoc(_: Reader) -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} API")
