"""The dashboard's Webhooks page: an admin registers, sees the secret once, re-sends."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from borderline import accounts
from borderline.api.app import create_app
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.webhooks import deliver_due, list_deliveries, list_endpoints, verify


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str) -> None:
    page = client.get("/web/login")
    r = client.post(
        "/web/login",
        data={"csrf": _csrf(page.text), "username": name, "password": password, "next": "/web/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_admin_registers_and_resends_from_the_dashboard(services: Services, receiver: Any) -> None:
    accounts.add_user(services, "alice", "admin", "alice-secret-pw")
    client = TestClient(create_app(services))
    _sign_in(client, "alice", "alice-secret-pw")
    page = client.get("/web/webhooks")
    assert page.status_code == 200
    r = client.post(
        "/web/webhooks",
        data={
            "csrf": _csrf(page.text),
            "url": receiver.url,
            "events": ["decision.created", "case.closed"],
            "description": "fulfilment",
        },
    )
    assert r.status_code == 201, r.text
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', r.text)
    assert secret is not None
    (ep,) = list_endpoints(services.sessions)
    assert ep["events"] == ["decision.created", "case.closed"]
    # The secret is not shown again.
    assert secret.group(1) not in client.get("/web/webhooks").text

    services.assess(next(iter(generate_orders(1, seed=2))))
    deliver_due(services.sessions)
    (d,) = list_deliveries(services.sessions)
    log_page = client.get("/web/webhooks?status=delivered")
    assert f"/web/webhooks/deliveries/{d['id']}/resend" in log_page.text
    r = client.post(
        f"/web/webhooks/deliveries/{d['id']}/resend",
        data={"csrf": _csrf(log_page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    deliver_due(services.sessions)
    assert len(receiver.received) == 2
    assert all(
        verify(secret.group(1), x.body, x.headers["Borderline-Signature"])
        for x in receiver.received
    )


def test_analysts_may_not_see_the_webhooks_page(services: Services) -> None:
    accounts.add_user(services, "bob", "analyst", "bob-secret-pw1")
    client = TestClient(create_app(services))
    _sign_in(client, "bob", "bob-secret-pw1")
    r = client.get("/web/webhooks")
    assert r.status_code == 403
    assert "Webhooks</a>" not in client.get("/web/lists").text
