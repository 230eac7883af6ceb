"""``borderline config``: the engine configuration (assessor settings, seller profile)."""

from __future__ import annotations

import os

import typer

from borderline.cli._common import echo_json, read_text
from borderline.cli._services import open_services

config_app = typer.Typer(
    help="Engine configuration: assessor settings and the seller's profile, four eyes.",
    no_args_is_help=True,
)


def _user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


@config_app.command("check")
def config_check(file: str = typer.Argument(..., help="YAML file, or - for stdin.")) -> None:
    """Validate a configuration as start-up would: sections, assessors, settings, seller."""
    from borderline.engine_config import check_config

    cfg = check_config(read_text(file))
    typer.echo(
        f"ok: settings for {', '.join(sorted(cfg.assessors)) or 'no assessor'}; "
        f"runs {', '.join(cfg.run) if cfg.run is not None else 'every installed assessor'}; "
        f"seller registrations {', '.join(cfg.registrations) or 'none'}"
    )


@config_app.command("draft")
def config_draft(
    file: str = typer.Argument(..., help="YAML file, or - for stdin."),
    author: str = typer.Option(None, help="Who wrote it (default: $USER)."),
    comment: str = typer.Option(None, help="Why it changes."),
) -> None:
    """Store a configuration as the next draft version (checked first)."""
    from borderline import assessor_config

    row = assessor_config.draft(open_services(), read_text(file), author or _user(), comment)
    typer.echo(
        f"draft version {row['version']} stored; another person activates it: "
        f"borderline config activate {row['version']} --user NAME"
    )


@config_app.command("activate")
def config_activate(
    version: int = typer.Argument(...),
    user: str = typer.Option(
        None, "--user", help="Your web user name (admin role): you sign in to approve."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Make a draft the live configuration. The approver signs in as a web user and must not
    be the author (the same four eyes as policies)."""
    from borderline import assessor_config
    from borderline.cli._policy_cmds import signed_in_approver

    services = open_services()
    approver = signed_in_approver(services, user, password_stdin)
    row = assessor_config.activate(services, version, approver)
    typer.echo(f"configuration {row['version']} is active (approved by {row['activated_by']})")


@config_app.command("show")
def config_show(version: int = typer.Argument(None, help="Version (default: active).")) -> None:
    """Print a configuration version's source."""
    from borderline import assessor_config

    typer.echo(assessor_config.get(open_services(), version)["source"], nl=False)


@config_app.command("list")
def config_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Versions with status, author and approver."""
    from borderline import assessor_config

    for v in assessor_config.versions(open_services()):
        if as_json:
            echo_json(v)
        else:
            typer.echo(
                f"{v['version']}\t{v['status']}\t{v['author']}\t{v['created_at']}\t"
                f"{v['activated_by'] or ''}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
