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

app = typer.Typer(
    name="borderline",
    help="Borderline: one explained risk decision per cross-border order.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register_all() -> None:
    from borderline.cli._groups import bench_app, lists_app

    app.add_typer(lists_app, name="lists")
    app.add_typer(bench_app, name="bench")
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{mod.name}").register(app)


_register_all()


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
