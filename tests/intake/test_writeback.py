"""Shopify write-back against a local fake Admin API that checks each request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.intake import deliver_writebacks
from borderline.intake.signatures import base64_hmac
from borderline.service import Services

from .conftest import SHOPIFY_SECRET, load

TOKEN = "shpat_test_token"
VERSION = "2025-04"


class FakeShopify:
    """Answers like the Admin GraphQL API, after checking path, token and mutation shape."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.fail_next = 0
        self.url = ""

    def check(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if path != f"/admin/api/{VERSION}/graphql.json":
            return 404, {"errors": "Not Found"}
        if headers.get("X-Shopify-Access-Token") != TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token"}
        req = json.loads(body)
        self.requests.append(req)
        if self.fail_next:
            self.fail_next -= 1
            return 503, {"errors": "unavailable"}
        inp = req["variables"]["input"]
        if "orderRiskAssessmentCreate(orderRiskAssessmentInput: $input)" not in req["query"]:
            self.problems.append("mutation")
        if not inp["orderId"].startswith("gid://shopify/Order/"):
            self.problems.append("orderId")
        if inp["riskLevel"] not in ("HIGH", "MEDIUM", "LOW", "NONE", "PENDING"):
            self.problems.append("riskLevel")
        for fact in inp["facts"]:
            if len(fact["description"]) > 256 or fact["sentiment"] not in (
                "NEGATIVE",
                "NEUTRAL",
                "POSITIVE",
            ):
                self.problems.append("fact")
        return 200, {
            "data": {
                "orderRiskAssessmentCreate": {
                    "orderRiskAssessment": {"riskLevel": inp["riskLevel"]},
                    "userErrors": [],
                }
            }
        }


@pytest.fixture
def fake_shopify() -> Iterator[FakeShopify]:
    fake = FakeShopify()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = fake.check(self.path, self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake
    server.shutdown()
    server.server_close()


def _post(client: TestClient) -> dict[str, Any]:
    body = json.dumps(load("shopify_orders_create.json")).encode()
    r = client.post(
        "/v1/intake/shopify",
        content=body,
        headers={
            "X-Shopify-Hmac-Sha256": base64_hmac(SHOPIFY_SECRET, body),
            "X-Shopify-Shop-Domain": "noordkust.myshopify.com",
        },
    )
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_decision_is_written_back_once_as_a_risk_assessment(
    services: Services, fake_shopify: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_SHOPIFY_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("BORDERLINE_SHOPIFY_API_VERSION", VERSION)
    monkeypatch.setenv("BORDERLINE_SHOPIFY_ADMIN_URL", fake_shopify.url)
    client = TestClient(create_app(services))
    answer = _post(client)
    _post(client)  # Shopify retried the webhook: still one write-back
    fake_shopify.fail_next = 1
    assert deliver_writebacks(services.sessions) == {"done": 0, "retrying": 1, "failed": 0}
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(minutes=5)
    assert deliver_writebacks(services.sessions, now=later) == {
        "done": 1,
        "retrying": 0,
        "failed": 0,
    }
    assert deliver_writebacks(services.sessions, now=later) == {
        "done": 0,
        "retrying": 0,
        "failed": 0,
    }
    assert fake_shopify.problems == []
    assert len(fake_shopify.requests) == 2
    inp = fake_shopify.requests[-1]["variables"]["input"]
    assert inp["orderId"] == "gid://shopify/Order/5820912345678"
    expected = {"approve": "LOW", "review": "MEDIUM", "hold": "HIGH", "decline": "HIGH"}
    assert inp["riskLevel"] == expected[answer["outcome"]]
    assert answer["decision_id"] in inp["facts"][0]["description"]


def test_wrong_token_is_retried_not_lost(
    services: Services, fake_shopify: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_SHOPIFY_ADMIN_TOKEN", "shpat_wrong")
    monkeypatch.setenv("BORDERLINE_SHOPIFY_API_VERSION", VERSION)
    monkeypatch.setenv("BORDERLINE_SHOPIFY_ADMIN_URL", fake_shopify.url)
    _post(TestClient(create_app(services)))
    assert deliver_writebacks(services.sessions)["retrying"] == 1
    assert fake_shopify.requests == []


def test_no_token_no_writeback(services: Services, fake_shopify: FakeShopify) -> None:
    _post(TestClient(create_app(services)))
    assert deliver_writebacks(services.sessions) == {"done": 0, "retrying": 0, "failed": 0}
    assert fake_shopify.requests == []
