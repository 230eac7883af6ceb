"""A bounded load run against a served instance on this machine: concurrency, 5xx, degraded.

    uv run python -m borderline.bench.load --concurrency 32 --seconds 30 [--database-url URL]

Starts uvicorn on 127.0.0.1 over a fresh database (SQLite in a temporary folder unless a URL
is given), waits for ``/ready``, then has ``--concurrency`` threads post generated orders for
``--seconds`` seconds (each thread stops by itself). Prints one JSON line: requests, statuses,
5xx, degraded decisions, decisions per second, and p50/p95 latency. Traffic goes to the
loopback address only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(concurrency: int, seconds: float, database_url: str = "") -> dict[str, Any]:
    import httpx
    import uvicorn

    from borderline.api.app import create_app
    from borderline.auth import create_key
    from borderline.samples import generate_orders
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.store import transaction

    data = Path(tempfile.mkdtemp(prefix="borderline-load-"))
    services = Services.open(Settings(data_dir=data, database_url=database_url))
    with transaction(services.sessions) as s:
        _, key = create_key(s, "load", "service", by="bench", ledger=services.ledger)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    ready_after = None
    t0 = time.monotonic()
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                ready_after = time.monotonic() - t0
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    orders = list(generate_orders(concurrency * 400, seed=7))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    degraded = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        nonlocal degraded
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for order in orders[i::concurrency]:
                if time.monotonic() >= stop_at:
                    return
                t = time.perf_counter()
                r = client.post("/v1/decisions", json=order)
                elapsed = time.perf_counter() - t
                with lock:
                    statuses[r.status_code] += 1
                    latencies.append(elapsed)
                    if r.status_code in (200, 201) and r.json().get("degraded"):
                        degraded += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    server.should_exit = True
    thread.join(timeout=30)
    with services.sessions() as s:
        verified = services.ledger.verify(s).ok
    services.close()
    ok = statuses[200] + statuses[201]
    lat = sorted(latencies) or [0.0]
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "database": services.db.dialect.name,
        "concurrency": concurrency,
        "seconds": round(wall, 1),
        "ready_after_s": None if ready_after is None else round(ready_after, 1),
        "requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for c, n in statuses.items() if c >= 500),
        "degraded": degraded,
        "decisions_per_s": round(ok / wall, 1) if wall else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1),
        "ledger_verifies": verified,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    print(json.dumps(run(args.concurrency, args.seconds, args.database_url)))


if __name__ == "__main__":
    main()
