"""The ``borderline`` command. Each ``cmd_*.py`` module in this package registers its commands.

Commands hold no business logic: they parse arguments, call the domain API and print. Errors
derived from ``BorderlineError`` become ``error: <where>: <message>`` on stderr with exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import typer

from borderline.errors import BorderlineError

app = typer.Typer(
    name="borderline",
    help="Borderline: one explained risk decision per cross-border order.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


# Which module registers each top-level command (then any module adding subcommands to it,
# comma-separated), and the first line of its help: a command
# imports only its own module (and the domain behind it), and ``borderline --help`` imports
# none. ``tests/core/test_cli_imports.py`` checks this table against the modules themselves.
# ``lists`` and ``bench`` are groups every module may add to, so they import every module, as
# does any command missing from the table (a module added later still works, just not lazily).
COMMANDS: dict[str, tuple[str, str]] = {
    "policy": ("cmd_core", "Check, test, draft, backtest and activate policies."),
    "ledger": ("cmd_core", "The tamper-evident audit ledger."),
    "keys": ("cmd_core", "API keys and their roles."),
    "serve": (
        "cmd_core",
        "Start the API and dashboard. First start: migrate, sample data, an admin key.",
    ),
    "assess": (
        "cmd_core",
        "Assess orders and print one JSON decision per line (errors as JSON lines too).",
    ),
    "fraud": (
        "cmd_fraud",
        "Fraud model: simulate and generate data, evaluate, train, registry, drift.",
    ),
    "logistics": (
        "cmd_logistics",
        "Logistics risk: late-delivery model, disruption scenarios, fulfilment comparison.",
    ),
    "privacy": ("cmd_privacy", "Find and protect personal data: detect, scan, redact, keys."),
    "transfer": ("cmd_transfer", "Cross-border personal-data transfers: assess, register, report."),
    "risk": (
        "cmd_risk,cmd_risk_register",
        "Risk assessment and governance: MCDA, country/corridor risk, register, reports.",
    ),
    "screen": ("cmd_screening", "Screen a name against the sanctions and denied-party lists."),
    "trade": (
        "cmd_trade",
        "Trade compliance: HS classification, landed cost, restricted goods, customs risk.",
    ),
    "users": ("cmd_users", "Web sign-in accounts (admin, analyst, auditor)."),
    "config": (
        "cmd_config",
        "Engine configuration: assessor settings and the seller's profile, four eyes.",
    ),
    "data": ("cmd_data", "Dated reference data: list it, update it."),
    "labels": ("cmd_labels", "Chargebacks, fraud refunds and analyst outcomes."),
    "webhooks": (
        "cmd_webhooks",
        "Outbound webhooks: endpoints, the delivery log, re-sends, one-shot delivery.",
    ),
    "spark": (
        "cmd_spark",
        "Run the engine on Apache Spark (needs the spark extra and a Java runtime).",
    ),
    "intake": ("cmd_webhooks", "Storefront intake: send queued Shopify risk write-backs."),
}
# Modules that only add subcommands to the shared ``lists``/``bench`` groups.
SHARED_GROUP_ONLY = frozenset({"cmd_bench", "cmd_bench_privacy", "cmd_bench_trade"})
_ROOT_OPTIONS_WITH_VALUE = ("--data-dir", "--database-url")


def command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_"))


def _requested(argv: list[str]) -> str | None:
    """The top-level command named on the command line (after the root options), or None
    when there is none: no arguments or a help flag."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _ROOT_OPTIONS_WITH_VALUE:
            i += 2
        elif arg.startswith(tuple(f"{o}=" for o in _ROOT_OPTIONS_WITH_VALUE)):
            i += 1
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def _register(modules: list[str]) -> None:
    from borderline.cli._groups import bench_app, lists_app

    app.add_typer(lists_app, name="lists")
    app.add_typer(bench_app, name="bench")
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(app)


def _listed_only() -> None:  # pragma: no cover - shown in the top-level help, never run
    raise typer.Exit(2)


def _register_for(argv: list[str]) -> None:
    modules = command_modules()
    known = {m for mods, _ in COMMANDS.values() for m in mods.split(",")} | SHARED_GROUP_ONLY
    if any(m not in known for m in modules):
        _register(modules)
        return
    requested = _requested(argv)
    if requested is None:
        # Top-level help: every command listed from the table, no module imported.
        _register([])
        for name, (_, text) in COMMANDS.items():
            app.command(name, help=text, add_help_option=False)(_listed_only)
    elif requested in COMMANDS:
        _register(COMMANDS[requested][0].split(","))
    else:
        _register(modules)


def _invoked_as_cli() -> bool:
    """True in the ``borderline`` command or ``python -m borderline``; False when the CLI is
    imported (tests, other programs), which then get every command."""
    first = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return first.name == "borderline" or (
        first.name == "__main__.py" and first.parent.name == "borderline"
    )


_register_for(sys.argv[1:] if _invoked_as_cli() else ["lists"])


@app.callback()
def _root(
    data_dir: str = typer.Option(None, "--data-dir", help="Data folder (BORDERLINE_DATA_DIR)."),
    database_url: str = typer.Option(
        None, "--database-url", help="SQLAlchemy URL (BORDERLINE_DATABASE_URL)."
    ),
) -> None:
    """Borderline: one explained risk decision per cross-border order."""
    import os

    if data_dir:
        os.environ["BORDERLINE_DATA_DIR"] = data_dir
    if database_url:
        os.environ["BORDERLINE_DATABASE_URL"] = database_url


def main() -> None:
    try:
        app()
    except BorderlineError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
