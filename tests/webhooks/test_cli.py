"""`borderline webhooks …`: register, deliver once, read the log, re-send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.webhooks import verify


def test_cli_register_deliver_log_and_resend(
    tmp_path: Path, database_url: str, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BORDERLINE_DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(
        app, ["webhooks", "add", receiver.url, "-e", "decision.created", "-e", "case.closed"]
    )
    assert added.exit_code == 0, added.output
    endpoint = json.loads(added.output)
    assert endpoint["events"] == ["decision.created", "case.closed"]

    services = Services.open(Settings(), run_migrations=False)
    services.assess(next(iter(generate_orders(1, seed=4))))
    services.close()

    out = runner.invoke(app, ["webhooks", "deliver"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["delivered"] == 1
    (got,) = receiver.received
    assert verify(endpoint["secret"], got.body, got.headers["Borderline-Signature"])

    log = runner.invoke(app, ["webhooks", "deliveries", "--status", "delivered"])
    (line,) = log.output.strip().splitlines()
    delivery = json.loads(line)
    assert delivery["event_type"] == "decision.created"
    assert runner.invoke(app, ["webhooks", "resend", str(delivery["id"])]).exit_code == 0
    assert json.loads(runner.invoke(app, ["webhooks", "deliver"]).output)["delivered"] == 1
    shown = json.loads(runner.invoke(app, ["webhooks", "show", str(delivery["id"])]).output)
    assert [a["trigger"] for a in shown["log"]] == ["auto", "resend by cli", "auto"]
    assert len(receiver.received) == 2

    bad = runner.invoke(app, ["webhooks", "add", "https://x.example/", "-e", "nope"])
    # main() turns it into "error: events[0]: …" and exit code 2.
    assert isinstance(bad.exception, InvalidInput)
    assert bad.exception.where == "events[0]"
