"""The CLI imports only what the command it runs needs.

``borderline --help`` lists every command from a table in ``borderline.cli`` without importing a
command module, and a command imports only the module that registers it. These tests keep the
table true to the modules and check, in a fresh interpreter, what a start imports.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
import typer

from borderline import cli

HEAVY = ("pandas", "lightgbm", "sklearn", "scipy", "sqlalchemy", "spacy", "pyspark")


def _registered(module: str) -> dict[str, str]:
    app = typer.Typer()
    importlib.import_module(f"borderline.cli.{module}").register(app)
    out = {g.name or "": (g.typer_instance.info.help or "") for g in app.registered_groups}
    for c in app.registered_commands:
        name = c.name or (c.callback.__name__ if c.callback else "")
        out[name] = c.help or (c.callback.__doc__ if c.callback else "") or ""
    return {k: str(v).strip().splitlines()[0] if v else "" for k, v in out.items()}


def test_the_command_table_matches_the_modules() -> None:
    seen: dict[str, tuple[str, str]] = {}
    listed = {m for mods, _ in cli.COMMANDS.values() for m in mods.split(",")}
    for module in cli.command_modules():
        for name, first_line in _registered(module).items():
            seen[name] = (module, first_line)
        assert module in listed | cli.SHARED_GROUP_ONLY, f"{module} is not in the table"
        if module in cli.SHARED_GROUP_ONLY:
            assert not _registered(module), f"{module} registers top-level commands"
    assert seen == {k: (mods.split(",")[0], h) for k, (mods, h) in cli.COMMANDS.items()}


def _imported_by(argv: list[str]) -> list[str]:
    code = (
        "import sys, json\n"
        f"sys.argv = ['/usr/bin/borderline', *{argv!r}]\n"
        "import borderline.cli\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], [], ["--data-dir", "/tmp/x", "--help"]])
def test_help_imports_no_domain_library(argv: list[str]) -> None:
    loaded = set(_imported_by(argv))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_command_imports_its_own_module_only() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['/usr/bin/borderline', 'users', 'list']\n"
        "import borderline.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith('borderline.cli.cmd_')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "['borderline.cli.cmd_users']"
