"""``borderline policy …`` and the block/allow ``borderline lists add|remove|show`` commands."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from borderline.cli._common import current_user as _user
from borderline.cli._common import echo_json, read_text
from borderline.cli._groups import lists_app
from borderline.cli._services import open_services
from borderline.errors import InvalidInput

if TYPE_CHECKING:
    from borderline.service import Services


policy_app = typer.Typer(
    help="Check, test, draft, backtest and activate policies.", no_args_is_help=True
)


# -- policy ------------------------------------------------------------------------------------


@policy_app.command("check")
def policy_check(file: str = typer.Argument(..., help="Policy file, or - for stdin.")) -> None:
    """Parse and compile a policy; print what it contains or where it is wrong."""
    from borderline.engine import Engine

    compiled = Engine().check_policy(read_text(file))
    typer.echo(
        f"ok: policy '{compiled.name}', {sum(r.kind == 'gate' for r in compiled.rules)} "
        f"gates, {sum(r.kind == 'rule' for r in compiled.rules)} rules, thresholds "
        + ", ".join(f"{k} {v:g}" for k, v in compiled.thresholds.items())
    )


@policy_app.command("codes")
def policy_codes(
    prefix: str = typer.Argument("", help="Only codes starting with this."),
) -> None:
    """Finding codes the installed assessors can emit (what has/count/max_score may name)."""
    from borderline.engine import Engine

    catalogue = Engine().codes
    for code, meaning in sorted(catalogue.codes.items()):
        if code.startswith(prefix):
            typer.echo(f"{code}\t{meaning}")
    for name in sorted(catalogue.open_prefixes):
        if name.startswith(prefix) or prefix.startswith(name):
            typer.echo(f"{name}.*\t(assessor '{name}' declares no catalogue: any code under it)")


@policy_app.command("test")
def policy_test(
    file: str = typer.Argument(..., help="Policy file."),
    orders: str = typer.Option(..., "--orders", help="JSON-lines orders to try it on."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decide orders from a file under a policy without storing anything."""
    from borderline.cli._services import standalone_engine
    from borderline.cli.cmd_core import _read_orders  # cmd_core imports this module first
    from borderline.service import parse_order

    engine = standalone_engine(policy=read_text(file), policy_version="test")
    counts: Counter[str] = Counter()
    for where, payload in _read_orders(orders, "jsonl"):
        if isinstance(payload, InvalidInput):
            raise payload
        d = engine.assess(parse_order(payload, where))
        counts[str(d.outcome)] += 1
        if as_json:
            echo_json(
                {
                    "order_id": d.order_id,
                    "outcome": d.outcome,
                    "score": d.score,
                    "rules": [h.rule for h in d.rules],
                    "actions": d.actions,
                }
            )
        else:
            typer.echo(
                f"{d.order_id}\t{d.outcome}\t{d.score:g}\t" + ",".join(h.rule for h in d.rules)
            )
    typer.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), err=True)


@policy_app.command("draft")
def policy_draft(
    file: str = typer.Argument(..., help="Policy file, or - for stdin."),
    author: str = typer.Option(None, help="Who wrote it (default: $USER)."),
    comment: str = typer.Option(None, help="Why it changes."),
) -> None:
    """Store a policy as the next draft version."""
    services = open_services()
    row = services.create_policy(read_text(file), author or _user(), comment)
    typer.echo(
        f"draft version {row['version']} stored; backtest it next: "
        f"borderline policy backtest {row['version']}"
    )


@policy_app.command("list")
def policy_list() -> None:
    """Versions with status, author and activation."""
    for p in open_services().list_policies():
        typer.echo(
            f"{p['version']}\t{p['status']}\t{p['author']}\t{p['created_at']}\t"
            f"{p['activated_by'] or ''}"
        )


@policy_app.command("show")
def policy_show(version: int = typer.Argument(None, help="Version (default: active).")) -> None:
    """Print a policy version's source."""
    typer.echo(open_services().get_policy(version)["source"], nl=False)


@policy_app.command("backtest")
def policy_backtest(
    version: int = typer.Argument(..., help="Policy version to backtest."),
    limit: int = typer.Option(100_000, help="Most recent stored decisions to replay."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Replay stored orders under a version and report which outcomes change and why."""
    report = open_services().backtest(version, limit=limit, actor=_user())
    if as_json:
        echo_json(report.to_dict())
        return
    typer.echo(
        f"{report.orders} orders replayed under {report.policy}@{report.version}: "
        f"{report.changed} outcome(s) change"
    )
    for t, n in sorted(report.transitions.items(), key=lambda x: -x[1]):
        typer.echo(f"  {t}: {n}")
    typer.echo("before: " + ", ".join(f"{k} {v}" for k, v in sorted(report.before.items())))
    typer.echo("after:  " + ", ".join(f"{k} {v}" for k, v in sorted(report.after.items())))
    for c in report.changes[:20]:
        typer.echo(
            f"  {c['order_id']}: {c['before']} -> {c['after']} "
            f"(score {c['score_before']:g} -> {c['score_after']:g}; rules: "
            f"{', '.join(c['rules']) or '-'})"
        )


def signed_in_approver(services: Services, user: str | None, password_stdin: bool) -> str:
    """The person approving an activation from the CLI: a web user who signs in here with the
    activate permission. A free-text name is no second pair of eyes, so none is accepted."""
    from borderline.web import auth as webauth

    if not user:
        raise InvalidInput(
            "activating needs an approver who signs in: pass --user NAME "
            "(a web user with the admin role; see `borderline users add`)",
            where="--user",
        )
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else str(typer.prompt("Password", hide_input=True))
    )
    principal = webauth.authenticate_user(services, user, password)
    principal.require("activate")
    return str(principal.person)


@policy_app.command("activate")
def policy_activate(
    version: int = typer.Argument(...),
    user: str = typer.Option(
        None, "--user", help="Your web user name (admin role): you sign in to approve."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Make a backtested version live. The approver signs in as a web user and must not be
    the author (a free-text name is no second pair of eyes, so none is accepted)."""
    services = open_services()
    approver = signed_in_approver(services, user, password_stdin)
    row = services.activate_policy(version, approver)
    typer.echo(f"version {row['version']} is active (approved by {row['activated_by']})")


# -- block/allow lists ---------------------------------------------------------------------------


@lists_app.command("add")
def lists_add(
    list_name: str = typer.Argument(..., metavar="LIST"),
    kind: str = typer.Argument(
        ...,
        help="email, email_domain, card, card_bin, device, ip, address, country, phone, customer",
    ),
    value: str = typer.Argument(...),
    action: str = typer.Option(
        ..., "--action", help="block or allow (required: an allow list is not a block list)"
    ),
    reason: str = typer.Option(None),
    expires: str = typer.Option(None, help="ISO 8601 time with zone when it lapses."),
) -> None:
    """Add an entry to a block or allow list."""
    exp = None
    if expires:
        try:
            exp = datetime.fromisoformat(expires)
        except ValueError:
            raise InvalidInput("not an ISO 8601 time", where="--expires") from None
    row = open_services().add_list_entry(
        list_name=list_name,
        kind=kind,
        value=value,
        action=action,
        reason=reason,
        actor=_user(),
        expires_at=exp,
    )
    typer.echo(
        f"added entry {row['id']}: {row['action']} {row['kind']} {row['value']!r} on {row['list']}"
    )


@lists_app.command("remove")
def lists_remove(entry_id: int = typer.Argument(...)) -> None:
    """Remove a block/allow entry by id (it stays in the ledger)."""
    open_services().remove_list_entry(entry_id, _user())
    typer.echo(f"removed entry {entry_id}")


@lists_app.command("show")
def lists_show(
    list_name: str = typer.Argument(None, metavar="[LIST]"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Live block/allow entries."""
    for e in open_services().list_entries(list_name):
        if as_json:
            echo_json(e)
        else:
            typer.echo(
                f"{e['id']}\t{e['list']}\t{e['action']}\t{e['kind']}\t{e['value']}\t"
                f"{e['reason'] or ''}"
            )
