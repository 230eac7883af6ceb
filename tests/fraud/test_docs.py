"""docs/fraud.md names every `borderline fraud` command, every assessor setting and signal."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from borderline.cli import app
from borderline.cli.cmd_fraud import fraud_app
from borderline.fraud.assessor import FraudAssessor

DOC = (Path(__file__).parents[2] / "docs" / "fraud.md").read_text()


def test_every_command_is_documented_and_answers_help() -> None:
    names = [c.name for c in fraud_app.registered_commands]
    assert len(names) >= 9
    # the command reference lines: "borderline fraud models | show [VERSION] | …"
    documented = set()
    for line in DOC.splitlines():
        if line.startswith("borderline fraud "):
            for part in line[len("borderline fraud ") :].split("|"):
                documented.add(part.split()[0])
    for name in names:
        assert name in documented, name
        r = CliRunner().invoke(app, ["fraud", name, "--help"])
        assert r.exit_code == 0, r.output
    assert "borderline bench fraud" in DOC


def test_assessor_settings_and_signals_are_documented() -> None:
    for key in FraudAssessor.defaults:
        assert f"`{key}`" in DOC, key
    for signal in FraudAssessor.signals:
        assert f"`{signal}`" in DOC, signal
