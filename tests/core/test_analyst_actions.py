"""Analyst actions a compliance officer relies on, on real SQLite and PostgreSQL (issue 21):
lists need an action, BIN entries are prefixes, a name-only whitelist is refused, a confirmed
sanctions match blocks and reports, labels stand alone and are never in the future, and the
README's example goes to 3-D Secure."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderline.cases import SANCTIONS_BLOCK_LIST
from borderline.cases import service as cases
from borderline.service import Services

ROOT = Path(__file__).resolve().parents[2]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command in-process, reporting errors as ``main()`` does (exit 2)."""
    from typer.testing import CliRunner

    from borderline.cli import app
    from borderline.errors import BorderlineError

    result = CliRunner().invoke(app, list(args), env=env)
    stderr, code = result.stderr, result.exit_code
    if isinstance(result.exception, BorderlineError):
        stderr += f"error: {result.exception}\n"
        code = 2
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), code, result.stdout, stderr)


@pytest.fixture
def env(migrated_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BORDERLINE_DATA_DIR": str(tmp_path / "data"),
        "BORDERLINE_DATABASE_URL": migrated_url,
        "COLUMNS": "120",
        "USER": "alice",
    }


def _order(oid: str, **payment: Any) -> dict[str, Any]:
    return {
        "id": oid,
        "created_at": "2026-11-24T09:30:00Z",
        "currency": "EUR",
        "total": "40.00",
        "parties": [
            {
                "role": "buyer",
                "name": "Jana Novak",
                "email": f"{oid}@example.com",
                "customer_id": f"cust-{oid}",
                "address": {"city": "Brno", "postal_code": "60200", "country": "CZ"},
            }
        ],
        "items": [{"title": "Cotton T-shirt", "quantity": 2, "unit_price": "20.00"}],
        "payment": {"method": "card", "amount": "40.00", "currency": "EUR", **payment},
        "shipment": {"origin_country": "CZ", "destination_country": "CZ", "incoterm": "DAP"},
    }


def test_lists_add_requires_the_action(env: dict[str, str]) -> None:
    r = cli(env, "lists", "add", "vip-allow", "email", "vip@example.com")
    assert r.returncode != 0 and "--action" in r.stderr
    ok = cli(env, "lists", "add", "vip-allow", "email", "vip@example.com", "--action", "allow")
    assert ok.returncode == 0, ok.stderr
    assert "allow email 'vip@example.com' on vip-allow" in ok.stdout


@pytest.mark.parametrize(
    ("entry", "bin_", "blocked"),
    [("4111", "411111", True), ("411111", "411111", True), ("4111", "41111122", True),
     ("4111", "511111", False), ("41111", "411200", False)],
)  # fmt: skip
def test_card_bin_entries_are_prefixes(
    services: Services, entry: str, bin_: str, blocked: bool
) -> None:
    services.add_list_entry(
        list_name="bad-bins", kind="card_bin", value=entry, action="block", reason="test",
        actor="ann",
    )  # fmt: skip
    d, _ = services.assess(_order("bin-1", card_bin=bin_, card_country="CZ"))
    codes = {f.code for f in d.findings}
    assert ("lists.block.card_bin" in codes) is blocked
    assert (str(d.outcome) == "decline") is blocked


def test_a_whitelist_on_a_name_alone_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    body = {
        "party": {"name": "John Smith"},
        "list": "us_ofac_sdn",
        "source_id": "36",
        "reason": "our customer, not the listed person",
    }
    r = client.post("/v1/screening/whitelist", json=body, headers=auth(keys["ann"]))
    assert r.status_code == 422
    assert r.json()["where"] == "party" and "every party with that name" in r.json()["message"]


def test_confirmed_sanctions_match_blocks_and_reports(services: Services) -> None:
    d, _ = services.assess(_order("sanc-1"))
    case_id = cases.open_case(services, [d.decision_id], "ann")
    version = cases.get_case(services, case_id)["case"].version
    labels = cases.disposition(services, case_id, "confirmed_sanctions_match", "ann", version)
    assert labels == []  # a sanctions match is not fraud: no fraud label
    entries = services.list_entries(SANCTIONS_BLOCK_LIST)
    assert [(e["kind"], e["value"], e["action"]) for e in entries] == [
        ("customer", "cust-sanc-1", "block")
    ]
    event = cases.get_case(services, case_id)["events"][-1]
    assert event.kind == "disposition" and "OFAC within 10 business days" in event.detail["report"]
    # the next order of the same customer is declined by the block list
    again = _order("sanc-2")
    again["parties"][0]["customer_id"] = "cust-sanc-1"
    d2, _ = services.assess(again)
    assert str(d2.outcome) == "decline" and "lists.block.customer" in {f.code for f in d2.findings}


def test_labels_stand_alone_and_are_never_in_the_future(
    client: TestClient, keys: dict[str, str], services: Services
) -> None:
    services.assess(_order("lab-1"))
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {
        "labels": [
            {"order_id": "lab-1", "kind": "chargeback"},
            {"order_id": "no-such-order", "kind": "chargeback"},
            {"order_id": "lab-1", "kind": "analyst", "event_at": future},
        ]
    }
    r = client.post("/v1/labels", json=body, headers=auth(keys["ann"]))
    assert r.status_code == 207, r.text
    got = r.json()
    assert got[0]["label"]["order_id"] == "lab-1"
    assert (
        got[1]["error"]["error"] == "not_found" and got[1]["error"]["where"] == "labels[1].order_id"
    )
    assert got[2]["error"]["where"] == "labels[2].event_at"
    assert "future" in got[2]["error"]["message"]
    # a single bad label keeps its own status
    one = client.post("/v1/labels", json={"labels": body["labels"][1:2]}, headers=auth(keys["ann"]))
    assert one.status_code == 404


def test_labels_from_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    src = tmp_path / "orders.jsonl"
    src.write_text(json.dumps(_order("cli-1")) + "\n")
    assert cli(env, "assess", str(src)).returncode == 0
    one = cli(env, "labels", "add", "cli-1", "chargeback", "--reason", "10.4")
    assert one.returncode == 0, one.stderr
    assert re.search(r"#0: lab_\w+ chargeback on cli-1", one.stdout)
    batch = tmp_path / "labels.jsonl"
    batch.write_text(
        json.dumps({"order_id": "cli-1", "kind": "analyst"})
        + "\n"
        + json.dumps({"order_id": "missing", "kind": "analyst"})
        + "\n"
    )
    r = cli(env, "labels", "import", str(batch))
    assert r.returncode == 1
    assert "1 stored, 1 rejected" in r.stderr and "labels[1].order_id" in r.stderr


def test_the_readme_example_goes_to_3ds(services: Services) -> None:
    from borderline.cli.cmd_core import load_samples

    load_samples(services, 200)  # the demo block lists a fresh `serve` installs
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    payload = json.loads(re.search(r"-d '(\{.*?\})' \|", readme, re.S).group(1))  # type: ignore[union-attr]
    d, _ = services.assess(payload)
    assert str(d.outcome) != "decline", [r.code for r in d.reasons]
    assert "request_3ds" in d.actions
    assert not any(f.code.startswith("lists.block") for f in d.findings)
