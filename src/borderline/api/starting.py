"""Listen first, open the application on a thread: what ``borderline serve`` runs in one process.

Opening the application (schema check or first migration, assessor construction, every route)
takes a few seconds on a small machine, and a process that binds its port only afterwards looks
dead to a newcomer and to an orchestrator's liveness probe. :class:`StartingApp` is the ASGI
application uvicorn serves from the first instant:

- while the real application is being opened, ``/health`` answers 200 with
  ``{"status": "starting"}`` (the process is alive), ``/ready`` answers 503 with Retry-After, and
  every other request waits until the application is open and is then served by it (nothing is
  refused because it came early);
- once open, every request, ``/health`` included, goes to the real application unchanged;
- if opening fails, ``/health`` and every other request answer 503 with the error, and the
  error is logged: the process stays up to say why instead of exiting silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import borderline

log = logging.getLogger("borderline.serve")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# How long an early request waits for the application before it is told to retry.
WAIT_SECONDS = 120.0


async def _json(send: Send, status: int, body: dict[str, Any], retry: bool = False) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if retry:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class StartingApp:
    """Serves ``/health`` at once and everything else once ``open_app()`` has returned.

    Under a server that speaks the ASGI lifespan protocol (uvicorn), the opened application's
    own lifespan (its warm-up, the webhook dispatcher…) is started before any request reaches
    it, and shut down with the server.
    """

    def __init__(self, open_app: Callable[[], ASGIApp], *, database: str) -> None:
        self._open_app = open_app
        self._database = database
        self._built: ASGIApp | None = None
        self._app: ASGIApp | None = None  # set once built and (under lifespan) started
        self._error: str | None = None
        self._done = threading.Event()  # opening ended, either way
        self._lifespan = False
        self._started_at = time.monotonic()
        self.open_seconds: float | None = None

    def start(self) -> None:
        threading.Thread(target=self._open, name="borderline-open", daemon=True).start()

    def _open(self) -> None:
        try:
            self._built = self._open_app()
        except Exception as exc:  # said by every answer from now on; the process stays up
            log.exception("opening the application failed")
            self._error = f"{type(exc).__name__}: {exc}"
        self.open_seconds = round(time.monotonic() - self._started_at, 3)
        if not self._lifespan:
            self._app = self._built
        self._done.set()

    async def _wait(self, ready: Callable[[], bool], seconds: float) -> bool:
        end = time.monotonic() + seconds
        while not ready():
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        self._lifespan = True
        self.start()
        await send({"type": "lifespan.startup.complete"})
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        ended = asyncio.Event()
        inner = asyncio.ensure_future(self._run_inner_lifespan(inbox, ended))
        await receive()  # lifespan.shutdown
        await inbox.put({"type": "lifespan.shutdown"})
        if self._app is not None:
            await asyncio.wait_for(ended.wait(), timeout=30)
        inner.cancel()
        await send({"type": "lifespan.shutdown.complete"})

    async def _run_inner_lifespan(
        self, inbox: asyncio.Queue[dict[str, Any]], ended: asyncio.Event
    ) -> None:
        await self._wait(self._done.is_set, float("inf"))
        app = self._built
        if app is None:
            return
        started = asyncio.Event()

        async def inner_send(message: MutableMapping[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup"):
                if message["type"] == "lifespan.startup.failed":
                    log.error("application start-up failed: %s", message.get("message", ""))
                started.set()
            elif message["type"].startswith("lifespan.shutdown"):
                ended.set()

        await inbox.put({"type": "lifespan.startup"})
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        task = asyncio.ensure_future(app(scope, inbox.get, inner_send))
        await started.wait()
        self._app = app
        await task
        ended.set()

    def _starting_body(self) -> dict[str, Any]:
        return {
            "status": "starting",
            "version": borderline.__version__,
            "database": self._database,
            "starting_seconds": round(time.monotonic() - self._started_at, 3),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
            return
        if self._app is None and self._error is None and scope["type"] == "http":
            path = scope.get("path", "")
            if path == "/health":
                await _json(send, 200, self._starting_body())
                return
            if path == "/ready":
                await _json(send, 503, {"status": "starting"}, retry=True)
                return
        # Wait without blocking the event loop: /health keeps answering meanwhile.
        opened = await self._wait(
            lambda: self._app is not None or self._error is not None, WAIT_SECONDS
        )
        if self._app is None:
            if scope["type"] == "http":
                message = f"start-up failed: {self._error}" if opened else "still starting"
                await _json(
                    send, 503, {"error": "unavailable", "message": message}, retry=not opened
                )
            return
        await self._app(scope, receive, send)
