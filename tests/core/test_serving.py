"""Serving under pressure: readiness, overload, the list cache, and reads that write nothing."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from borderline.api.app import create_app
from borderline.api.limits import Overload
from borderline.service import Services
from borderline.store.models import LedgerCheckpointRow


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _checkpoints(services: Services) -> int:
    with services.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerCheckpointRow)) or 0)


def test_auditor_reading_the_checkpoint_writes_nothing(
    client: TestClient, keys: dict[str, str], services: Services, orders: list[dict[str, Any]]
) -> None:
    client.post("/v1/decisions:batch", json={"orders": orders[:3]}, headers=auth(keys["svc"]))
    before = _checkpoints(services)
    note = client.get("/v1/ledger/checkpoint", headers=auth(keys["aud"]))
    assert note.status_code == 200 and note.text.startswith("borderline.local/ledger\n")
    d = client.get(f"/v1/decisions/{orders[1]['id']}", headers=auth(keys["aud"])).json()
    proof = client.get(f"/v1/ledger/decisions/{d['decision_id']}", headers=auth(keys["aud"]))
    assert proof.status_code == 200
    assert _checkpoints(services) == before


def test_ready_only_after_the_warm_up(services: Services) -> None:
    app = create_app(services)
    cold = TestClient(app)
    first = cold.get("/ready")  # no lifespan ran: this request starts the warm-up
    assert first.status_code in (200, 503)
    if first.status_code == 503:
        assert first.headers["Retry-After"] and first.json()["status"] == "warming"
    with TestClient(app) as warm:  # the lifespan waits for nothing; poll as a balancer would
        for _ in range(600):
            r = warm.get("/ready")
            if r.status_code == 200:
                break
            threading.Event().wait(0.1)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ready" and services.lists.loaded


def test_overload_answers_503_with_retry_after() -> None:
    release = asyncio.Event()
    sent: list[dict[str, Any]] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()

    async def collect(message: dict[str, Any]) -> None:
        sent.append(message)

    async def main() -> None:
        guard = Overload(slow_app, max_inflight=2)
        scope = {"type": "http", "path": "/v1/decisions", "headers": []}
        busy = [asyncio.create_task(guard(scope, None, collect)) for _ in range(2)]
        await asyncio.sleep(0)
        await guard(scope, None, collect)  # the third: refused at once
        assert guard.inflight == 2
        release.set()
        await asyncio.gather(*busy)
        assert guard.inflight == 0

    asyncio.run(main())
    start = sent[0]
    assert start["status"] == 503
    assert (b"retry-after", b"1") in start["headers"]


def test_list_reload_does_not_queue_other_lookups(services: Services) -> None:
    """While one thread reloads the lists (holding a pooled connection), the others answer
    from the snapshot instead of waiting on the lock with their own connection checked out."""
    services.lists.refresh()
    services.lists.invalidate()
    done = threading.Event()
    with services.lists._lock:  # another thread is mid-reload
        t = threading.Thread(target=lambda: (services.lists.lookup("email", "x@y.z"), done.set()))
        t.start()
        finished = done.wait(30)
    t.join()
    assert finished, "lookup queued behind the reload"
