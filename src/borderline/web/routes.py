"""The analyst's workspace: server-rendered pages under /web, thin over Services and cases.

``install`` wires the workspace into the app; the pages live in ``signin``, ``queue``,
``casework``, ``policy_pages`` and ``list_pages``, the plumbing they share in ``plumbing``.
Routes parse the request, check the signed-in user's permission and CSRF token, call
:mod:`borderline.cases.service` or ``Services`` and render a template. Domain errors become an
HTML page with the same status the API would use (403 forbidden, 409 conflict, ...).
"""

from __future__ import annotations

import json
import logging
import threading

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from borderline.cases import register_ledger, sync_queue
from borderline.service import Services
from borderline.web import analytics
from borderline.web import auth as webauth

# Each page module adds its routes to the one ``router`` when imported, in this order (the
# order routes are matched in); the analytics page below comes last.
# isort: off
from borderline.web import signin, queue, casework, policy_pages, list_pages  # noqa: F401

# isort: on
from borderline.web.plumbing import (
    HERE,
    SessionMiddleware,
    render,
    router,
    services_of,
    session_of,
)

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    app.state.web_secret = webauth.session_secret(app.state.services)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
    # Until the entry point is declared in pyproject.toml, register case-event resolvers here
    # so `POST /v1/ledger/verify` re-checks case actions in this process.
    if "case.note" not in app.state.services.ledger.resolvers:
        register_ledger(app.state.services.ledger)
    app.add_middleware(SessionMiddleware)
    # Analytics take about a second on 100k decisions, and the first copy of queued decisions
    # into cases_queue about as long: do both before anyone asks.
    analytics.warm(app.state.services)
    threading.Thread(target=_warm_queue, args=(app.state.services,), daemon=True).start()


def _warm_queue(services: Services) -> None:
    try:
        sync_queue(services)
    except Exception:  # never fatal: the queue page syncs on demand too
        logging.getLogger(__name__).debug("queue warm-up failed", exc_info=True)


# -- analytics ---------------------------------------------------------------------------------


@router.get("/web/analytics")
def analytics_page(request: Request) -> Response:
    session_of(request)
    data = analytics.summary(services_of(request))
    return render(request, "analytics.html", a=data, json=json)
