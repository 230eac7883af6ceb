"""`serve` listens before the application is open: /health says "starting", other requests wait
for the application and are then served by it, and a failed opening is said, not hidden."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from fastapi import FastAPI

from borderline.api.starting import StartingApp


def _real_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/thing")
    def thing() -> dict[str, int]:
        return {"n": 1}

    return app


async def _get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


def test_health_answers_while_opening_and_early_requests_wait_for_the_app() -> None:
    release = threading.Event()

    def open_app() -> FastAPI:
        assert release.wait(10)
        return _real_app()

    starting = StartingApp(open_app, database="sqlite")
    starting.start()

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response, httpx.Response]:
        early_health = await _get(starting, "/health")
        early_ready = await _get(starting, "/ready")
        waiting = asyncio.ensure_future(_get(starting, "/v1/thing"))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # it waits for the application, it is not refused
        release.set()
        return early_health, early_ready, await waiting, await _get(starting, "/health")

    early_health, early_ready, thing, later_health = asyncio.run(scenario())
    assert early_health.status_code == 200
    assert early_health.json()["status"] == "starting"
    assert early_health.json()["database"] == "sqlite"
    assert early_ready.status_code == 503 and early_ready.headers["retry-after"] == "1"
    assert thing.status_code == 200 and thing.json() == {"n": 1}
    assert later_health.json() == {"status": "ok"}
    assert starting.open_seconds is not None


def test_a_failed_opening_is_reported_on_every_route() -> None:
    def open_app() -> FastAPI:
        raise RuntimeError("database at postgresql://db unreachable")

    starting = StartingApp(open_app, database="postgresql")
    starting.start()

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        thing = await _get(starting, "/v1/thing")
        return thing, await _get(starting, "/health")

    thing, health = asyncio.run(scenario())
    for r in (thing, health):
        assert r.status_code == 503
        assert "RuntimeError: database at postgresql://db unreachable" in r.json()["message"]
