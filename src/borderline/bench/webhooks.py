"""What the webhook outbox costs the decision path, and how fast the dispatcher delivers.

Three runs of the same orders on fresh databases: no endpoint, one endpoint subscribed to
other event types (the outbox reads the subscriptions and writes nothing), and one endpoint
subscribed to ``decision.created`` (an event row and a delivery row per decision). Then the
dispatcher sends the queued deliveries to a local HTTP receiver that answers 200 at once.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from borderline.bench.core import machine
from borderline.engine import Engine, discover_assessors
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.webhooks import DispatchConfig, create_endpoint, deliver_due


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def _receiver() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def run(
    orders: int = 2000,
    assessors: str = "consistency,lists",
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    payloads = list(generate_orders(orders, seed=21))
    names = [n for n in assessors.split(",") if n] or None
    server, url = _receiver()
    out: dict[str, Any] = {"machine": machine(), "orders": orders, "assessors": assessors}
    try:
        for case, events in (
            ("no endpoint", None),
            ("endpoint, other events", ["case.closed"]),
            ("endpoint, decision.created", ["decision.created"]),
        ):
            progress(case)
            with tempfile.TemporaryDirectory() as tmp:
                svc = Services.open(
                    Settings(data_dir=Path(tmp), database_url=""),
                    engine=Engine(discover_assessors(names)),
                )
                if events:
                    create_endpoint(svc.sessions, svc.ledger, url=url, events=events, actor="b")
                for p in payloads[:50]:  # warm caches and the policy compile
                    svc.assess({**p, "id": f"warm-{p['id']}"})
                times = []
                for p in payloads:
                    t0 = time.perf_counter()
                    svc.assess(p)
                    times.append((time.perf_counter() - t0) * 1000)
                row: dict[str, Any] = {
                    "p50_ms": _pct(times, 0.5),
                    "p95_ms": _pct(times, 0.95),
                    "mean_ms": round(statistics.fmean(times), 3),
                }
                if events == ["decision.created"]:
                    t0 = time.perf_counter()
                    sent = 0
                    config = DispatchConfig(max_attempts=3, backoff_seconds=1, timeout_seconds=5)
                    while True:
                        r = deliver_due(svc.sessions, config)
                        sent += r.delivered
                        if r.claimed == 0:
                            break
                    row["delivered"] = sent
                    row["deliveries_per_s"] = round(sent / (time.perf_counter() - t0), 1)
                out[case] = row
                svc.close()
    finally:
        server.shutdown()
        server.server_close()
    return out
