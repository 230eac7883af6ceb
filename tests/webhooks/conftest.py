"""A real local HTTP receiver for webhook deliveries, and migrated services."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from borderline.auth import create_key
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers with the next status in ``statuses`` (then 200).

    With ``hold`` cleared, a request waits (unanswered) until it is set: a slow endpoint.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    got: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Received]:
        import time

        end = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < end:
            self.got.wait(0.05)
            self.got.clear()
        return list(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.hold.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            rec.received.append(Received(self.path, dict(self.headers.items()), body))
            rec.got.set()
            rec.hold.wait(60)
            status = rec.statuses.pop(0) if rec.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/borderline"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    rec.hold.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    yield svc
    svc.close()


@pytest.fixture
def admin_key(services: Services) -> str:
    with transaction(services.sessions) as s:
        return create_key(s, "ada", "admin")[1]
