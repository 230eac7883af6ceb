"""The ``borderline`` command. Each ``cmd_*.py`` module in this package registers its commands.

Commands hold no business logic: they parse arguments, call the domain API and print. Errors
derived from ``BorderlineError`` become ``error: <where>: <message>`` on stderr with exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from borderline.errors import BorderlineError


def _new_app() -> typer.Typer:
    app = typer.Typer(
        name="borderline",
        help="Borderline: one explained risk decision per cross-border order.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.callback()(_root)
    return app


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree: every ``cmd_*`` module, or only the one called ``only``."""
    from borderline.cli._groups import bench_app, lists_app

    app = _new_app()
    app.add_typer(lists_app, name="lists")
    app.add_typer(bench_app, name="bench")
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("cmd_") and only in (None, mod.name):
            importlib.import_module(f"{__name__}.{mod.name}").register(app)
    return app


_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    # ``from borderline.cli import app``: the whole tree, built on first use, so that importing
    # this package for ``main`` does not import every domain.
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


# Commands a cold process must start fast for: only their own module is imported.
_FAST = {"screen": "cmd_screening"}


def main() -> None:
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    app = build_app(_FAST[first]) if first in _FAST else __getattr__("app")
    try:
        app()
    except BorderlineError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
