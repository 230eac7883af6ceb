"""Docs that must stay true: every setting, every CLI command group, the README commands."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from borderline.cli import app
from borderline.settings import ENV_PREFIX, SETTINGS

ROOT = Path(__file__).parents[2]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text()
    for name in SETTINGS:
        assert f"`{ENV_PREFIX}{name}`" in doc


def test_every_setting_read_in_code_is_declared() -> None:
    used = set()
    for path in (ROOT / "src" / "borderline").rglob("*.py"):
        used |= set(re.findall(r'env\("([A-Z_]+)"\)', path.read_text()))
    assert used <= set(SETTINGS)


def test_core_commands_are_documented_and_answer_help() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text()
    runner = CliRunner()
    groups = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert {"serve", "assess", "policy", "lists", "ledger", "keys", "bench"} <= groups
    for group in sorted(g for g in groups if g):
        assert f"borderline {group}" in doc
        result = runner.invoke(app, [group, "--help"])
        assert result.exit_code == 0, result.output


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "uv run borderline serve" in readme
    assert "\nscripts/test " in readme
    # CI runs the README's test command, with the lint checks, in a fresh clone.
    ci = (ROOT / ".ci" / "run").read_text()
    assert "git clone" in ci and "\nscripts/test\n" in ci  # the command exactly as typed
    assert "BORDERLINE_CI_CHECKS=1" in ci
    script = (ROOT / "scripts" / "test").read_text()
    assert "uv run --frozen" in script and "pytest" in script
