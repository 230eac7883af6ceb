"""``borderline ledger …`` (checkpoints, proofs, verification) and ``borderline keys …``."""

from __future__ import annotations

import json

import typer

from borderline.cli._common import current_user as _user
from borderline.cli._common import echo_json, read_text
from borderline.cli._services import open_services
from borderline.errors import InvalidInput

ledger_app = typer.Typer(help="The tamper-evident audit ledger.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys and their roles.", no_args_is_help=True)


# -- ledger ----------------------------------------------------------------------------------


@ledger_app.command("checkpoint")
def ledger_checkpoint() -> None:
    """Print the signed checkpoint for the current log size."""
    from borderline.store import transaction

    services = open_services()
    with transaction(services.sessions) as s:
        typer.echo(services.ledger.checkpoint(s).note, nl=False)


@ledger_app.command("key")
def ledger_key() -> None:
    """Print the verifier key for checking checkpoints."""
    typer.echo(open_services().ledger.verifier)


@ledger_app.command("proof")
def ledger_proof(
    decision: str = typer.Argument(..., help="Decision id or order id."),
) -> None:
    """Inclusion proof of a decision against the latest signed checkpoint (JSON)."""
    from borderline.store import transaction

    services = open_services()
    d = services.get_decision(decision)
    assert d.receipt is not None
    with transaction(services.sessions) as s:
        cp = services.ledger.checkpoint(s)
        proof = services.ledger.inclusion(s, d.receipt.log_index, cp.size)
    echo_json(
        {
            "decision_id": d.decision_id,
            "receipt": d.receipt.model_dump(),
            "checkpoint": cp.note,
            "verifier_key": services.ledger.verifier,
            **proof,
        }
    )


@ledger_app.command("consistency")
def ledger_consistency(old: int = typer.Argument(...), new: int = typer.Argument(None)) -> None:
    """Consistency proof between two tree sizes (JSON)."""
    services = open_services()
    with services.sessions() as s:
        echo_json(services.ledger.consistency(s, old, new))


@ledger_app.command("verify-proof")
def ledger_verify_proof(file: str = typer.Argument(..., help="Output of `ledger proof`.")) -> None:
    """Check a saved inclusion proof offline: signature, then the Merkle path."""
    from borderline.ledger import open_checkpoint, verify_inclusion

    try:
        data = json.loads(read_text(file))
        cp = open_checkpoint(data["checkpoint"], data["verifier_key"])
        ok = verify_inclusion(
            data["index"],
            data["tree_size"],
            bytes.fromhex(data["leaf_hash"]),
            [bytes.fromhex(p) for p in data["path"]],
            cp.root,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"not a proof file: {exc}", where=file) from None
    if not ok or cp.size != data["tree_size"]:
        typer.echo("FAILED: the proof does not match the signed checkpoint", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: leaf {data['index']} is in the signed tree of size {cp.size}")


@ledger_app.command("verify")
def ledger_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Recompute the log and every record it commits to; exit 1 on any problem."""
    services = open_services()
    with services.sessions() as s:
        report = services.ledger.verify(s)
    if as_json:
        echo_json(report.to_dict())
    else:
        for p in report.problems:
            typer.echo(f"PROBLEM: {p}", err=True)
        typer.echo(
            f"{'ok' if report.ok else 'FAILED'}: {report.size} entries, "
            f"{report.records_checked} records rechecked, root {report.root}"
        )
        signed = (
            f"size {report.checkpoint_size} at {report.checkpoint_time}"
            if report.checkpoint_time
            else "none yet"
        )
        typer.echo(f"latest signed checkpoint: {signed}")
        for c in report.coverage:
            since = (
                "no entries yet"
                if c["since_index"] is None
                else (f"since entry {c['since_index']} ({c['since_time']})")
            )
            typer.echo(
                f"covered: {c['table']}: {c['rows']} rows, {c['covers']}; {since}; "
                f"{len(c['problems'])} problem(s)"
            )
        for kind, n in sorted(report.unchecked_kinds.items()):
            typer.echo(f"not re-checked: {n} {kind} entries (presence only)")
    if not report.ok:
        raise typer.Exit(1)


# -- keys ----------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: str = typer.Argument(...),
    role: str = typer.Option(..., help="admin, analyst, auditor or service"),
    owner: str = typer.Option(
        None, help="The person answerable for the key (default: the key's name)."
    ),
) -> None:
    """Create an API key; the secret is printed once. Logged in the ledger with its owner."""
    from borderline.auth import create_key
    from borderline.store import transaction

    services = open_services()
    with transaction(services.sessions) as s:
        _, secret = create_key(
            s, name, role, owner=owner or name, by=_user(), ledger=services.ledger
        )
    typer.echo(secret)


@keys_app.command("list")
def keys_list() -> None:
    from borderline.auth import list_keys

    services = open_services()
    with services.sessions() as s:
        for k in list_keys(s):
            typer.echo(f"{k.id}\t{k.name}\t{k.role}\t{'revoked' if k.revoked_at else 'active'}")


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(...)) -> None:
    from borderline.auth import revoke_key
    from borderline.store import transaction

    services = open_services()
    with transaction(services.sessions) as s:
        revoke_key(s, key_id, by=_user(), ledger=services.ledger)
    typer.echo(f"revoked {key_id}")
