"""docs/trade.md must stay true: every trade command, assessor setting, finding and signal."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from borderline.cli import app
from borderline.cli.cmd_trade import declarations_app, trade_app
from borderline.trade.assessor import TradeAssessor

DOC = (Path(__file__).parents[2] / "docs" / "trade.md").read_text(encoding="utf-8")


def test_every_trade_command_is_documented_and_answers_help() -> None:
    runner = CliRunner()
    names = [c.name for c in trade_app.registered_commands]
    assert set(names) >= {"classify", "hs-check", "landed-cost", "restricted"}
    for name in names:
        assert f"borderline trade {name}" in DOC, name
        assert runner.invoke(app, ["trade", name, "--help"]).exit_code == 0
    for c in declarations_app.registered_commands:
        assert f"borderline trade declarations {c.name}" in DOC
    assert runner.invoke(app, ["bench", "trade", "--help"]).exit_code == 0


def test_assessor_settings_and_signals_are_documented() -> None:
    for key in TradeAssessor.defaults:
        assert f"`{key}`" in DOC, key
    for sig in TradeAssessor.signals:
        assert f"`{sig}`" in DOC, sig


def test_finding_codes_in_the_code_are_documented() -> None:
    src = (Path(__file__).parents[2] / "src" / "borderline" / "trade" / "assessor.py").read_text()
    codes = set(re.findall(r'"(trade\.[a-z_]+\.[a-z_]+)"', src))
    assert codes
    for code in codes:
        assert f"`{code}`" in DOC, code
