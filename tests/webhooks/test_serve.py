"""Done-when: a real `borderline serve` process, a real receiver, Shopify in, signed events out.

Runs once on SQLite and once on PostgreSQL. The server is killed with SIGKILL while a delivery
is in flight (the decision committed, the endpoint never acknowledged); after a restart on the
same database the delivery arrives.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from borderline.intake.signatures import base64_hmac
from borderline.webhooks import verify

FIXTURE = Path(__file__).parents[1] / "fixtures" / "intake" / "shopify_orders_create.json"
SHOP_SECRET = "shpss_serve_test"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        port = _free_port()
        env = {
            **os.environ,
            "BORDERLINE_DATA_DIR": str(self.data_dir),
            "BORDERLINE_DATABASE_URL": self.database_url,
            "BORDERLINE_SHOPIFY_SECRET": SHOP_SECRET,
            "BORDERLINE_INTAKE_ORIGIN_COUNTRY": "NL",
            "BORDERLINE_WEBHOOKS_TIMEOUT_SECONDS": "5",
            "BORDERLINE_WEBHOOKS_BACKOFF_SECONDS": "1",
            "BORDERLINE_WEBHOOKS_POLL_SECONDS": "0.2",
            "BORDERLINE_WEBHOOKS_DISPATCH": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "borderline", "serve", "--port", str(port), "--samples", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 90
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read().decode() if self.proc.stderr else "")
            try:
                # It listens while the application opens ("starting"); "ok" once open.
                health = httpx.get(f"{self.base}/health", timeout=2)
                if health.status_code == 200 and health.json()["status"] == "ok":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    srv = Server(tmp_path / "data", database_url)
    try:
        yield srv
    finally:
        srv.stop()


def _shopify(base: str, order_id: int, secret: str = SHOP_SECRET) -> httpx.Response:
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    payload["id"] = order_id
    payload["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
    body = json.dumps(payload).encode()
    return httpx.post(
        f"{base}/v1/intake/shopify",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": base64_hmac(secret, body),
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "noordkust.myshopify.com",
        },
        timeout=60,
    )


def _decision_deliveries(received: list[Any], decision_id: str) -> list[Any]:
    return [
        r
        for r in received
        if r.headers.get("Borderline-Event") == "decision.created"
        and r.json["data"]["decision_id"] == decision_id
    ]


def test_serve_shopify_in_signed_decision_out_and_survives_kill(
    server: Server, receiver: Any
) -> None:
    server.start()
    admin = (server.data_dir / "initial-admin-key.txt").read_text().strip()
    auth = {"Authorization": f"Bearer {admin}"}
    reg = httpx.post(
        f"{server.base}/v1/webhooks",
        json={"url": receiver.url, "events": ["decision.created"]},
        headers=auth,
        timeout=30,
    )
    assert reg.status_code == 201, reg.text
    assert set(reg.json()) >= {"id", "secret"}
    secret = reg.json()["secret"]

    # A bad signature: 401 and nothing stored.
    bad = _shopify(server.base, 1001, secret="not-the-shop-secret")
    assert bad.status_code == 401
    assert httpx.get(f"{server.base}/v1/decisions", headers=auth, timeout=30).json() == []

    ok = _shopify(server.base, 1002)
    assert ok.status_code == 200, ok.text
    answer = ok.json()
    assert set(answer) == {"order_id", "decision_id", "outcome"}
    receiver.wait_for(1)
    (first,) = _decision_deliveries(receiver.received, answer["decision_id"])
    assert verify(secret, first.body, first.headers["Borderline-Signature"])
    assert first.json["data"]["order_id"] == answer["order_id"]
    assert first.json["data"]["outcome"] == answer["outcome"]

    # The endpoint hangs: the next delivery is in flight, unanswered...
    receiver.hold.clear()
    second = _shopify(server.base, 1003).json()
    receiver.wait_for(2)
    # ...and decisions do not wait for it.
    third = _shopify(server.base, 1004)
    assert third.status_code == 200
    assert receiver.hold.is_set() is False
    # Kill -9 between the decision and an acknowledged delivery, then restart.
    server.kill()
    seen_before = len(receiver.received)
    receiver.hold.set()
    server.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        after = receiver.received[seen_before:]
        if _decision_deliveries(after, second["decision_id"]) and _decision_deliveries(
            after + receiver.received[:seen_before], third.json()["decision_id"]
        ):
            break
        time.sleep(0.2)
    redelivered = _decision_deliveries(receiver.received[seen_before:], second["decision_id"])
    assert redelivered, "the in-flight delivery was not sent again after the restart"
    assert verify(secret, redelivered[-1].body, redelivered[-1].headers["Borderline-Signature"])
    assert _decision_deliveries(receiver.received, third.json()["decision_id"])
    # The server's log agrees: everything delivered, nothing given up.
    log = httpx.get(f"{server.base}/v1/webhooks/deliveries", headers=auth, timeout=30).json()
    assert {d["status"] for d in log} == {"delivered"}
    assert len(log) == 3
