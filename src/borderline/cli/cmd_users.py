"""``borderline users …``: web sign-in accounts for the analyst workspace.

Passwords are read from a prompt (or ``--password-stdin``), never from the command line, so they
do not land in shell history or the process list.
"""

from __future__ import annotations

import sys
from typing import Any

import typer


def _services() -> Any:
    from borderline.cli._services import open_services

    return open_services()


def _accounts() -> Any:
    from borderline import accounts

    return accounts


users_app = typer.Typer(
    help="Web sign-in accounts (admin, analyst, auditor).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def add(
    name: str,
    role: str = typer.Option("analyst", help="admin, analyst or auditor"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from standard input"
    ),
) -> None:
    """Create a web user."""
    services = _services()
    _accounts().add_user(services, name, role, _password(password_stdin))
    typer.echo(f"added {name} ({role})")


@users_app.command("passwd")
def passwd(
    name: str,
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Set a new password (signs the user out everywhere)."""
    services = _services()
    _accounts().set_password(services, name, _password(password_stdin))
    typer.echo(f"password changed for {name}")


@users_app.command("disable")
def disable(name: str) -> None:
    """Disable a user and end their sessions."""
    _accounts().disable_user(_services(), name)
    typer.echo(f"disabled {name}")


@users_app.command("list")
def list_() -> None:
    """List web users."""
    for u in _accounts().list_users(_services()):
        state = "disabled" if u.disabled_at else "active"
        typer.echo(f"{u.name}\t{u.role}\t{state}")
