"""Core commands: serve, assess, policy, lists (block/allow), ledger, keys."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json, read_text
from borderline.cli._groups import lists_app
from borderline.cli._services import open_services
from borderline.errors import InvalidInput

policy_app = typer.Typer(
    help="Check, test, draft, backtest and activate policies.", no_args_is_help=True
)
ledger_app = typer.Typer(help="The tamper-evident audit ledger.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys and their roles.", no_args_is_help=True)


def _user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"


# -- serve -------------------------------------------------------------------------------------


def load_samples(services: Any, n: int) -> int:
    """Assess ``n`` seeded sample orders and add a demo block list, unless data exists."""
    from borderline.samples import generate_orders

    if services.list_decisions(limit=1):
        return 0
    orders = list(generate_orders(n, seed=2026))
    services.add_list_entry(
        list_name="demo-chargebacks",
        kind="email",
        value=orders[7]["parties"][0]["email"],
        action="block",
        reason="sample: chargeback in 2025",
        actor="system",
    )
    services.add_list_entry(
        list_name="demo-proxies",
        kind="ip",
        value="203.0.113.0/28",
        action="block",
        reason="sample: anonymising proxy range",
        actor="system",
    )
    for start in range(0, n, 500):
        services.assess_batch(orders[start : start + 500])
    return n


def bootstrap_admin_key(services: Any) -> str | None:
    """Create the first admin key on first start; it is printed once and saved 0600."""
    from borderline.auth import create_key, list_keys
    from borderline.store import transaction

    with transaction(services.sessions) as s:
        if list_keys(s):
            return None
        _, secret = create_key(s, "initial-admin", "admin", by="bootstrap", ledger=services.ledger)
    path = services.settings.data_dir / "initial-admin-key.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    return secret


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    samples: int = typer.Option(500, help="Sample orders to load on first start (0: none)."),
    workers: int = typer.Option(1, help="Worker processes (PostgreSQL recommended for >1)."),
) -> None:
    """Start the API and dashboard. First start: migrate, sample data, an admin key."""
    import uvicorn

    from borderline.samples.loading import marker_path, start_background_load

    services = open_services()
    # A marker left by a process killed mid-load: the load starts again below if needed.
    marker_path(services.settings.data_dir).unlink(missing_ok=True)
    secret = bootstrap_admin_key(services)
    # The sample orders load while the server already answers (the dashboard says so).
    loader = start_background_load(services, services.settings.data_dir, load_samples, samples)
    typer.echo(
        f"Borderline on http://{host}:{port}  (database: {services.db.dialect.name}, "
        f"data: {services.settings.data_dir})",
        err=True,
    )
    if loader is not None:
        typer.echo(f"Loading {samples} sample orders in the background.", err=True)
    if secret:
        typer.echo(
            f"Initial admin API key (shown once, also in "
            f"{services.settings.data_dir / 'initial-admin-key.txt'}):\n  {secret}",
            err=True,
        )
    typer.echo(
        f"Dashboard: http://{host}:{port}/web/ (create a sign-in with "
        "`borderline users add NAME --role admin`)",
        err=True,
    )
    if loader is None:
        services.close()
    uvicorn.run(
        "borderline.api.main:app", host=host, port=port, workers=workers, log_level="warning"
    )


# -- assess ------------------------------------------------------------------------------------

# One CSV row is one order with one line item; columns are documented in docs/orders.md.
CSV_COLUMNS = (
    "id",
    "created_at",
    "currency",
    "total",
    "buyer_name",
    "buyer_email",
    "buyer_country",
    "customer_id",
    "ship_country",
    "ship_city",
    "ship_postal_code",
    "item_title",
    "item_hs_code",
    "item_quantity",
    "item_unit_price",
    "origin_country",
    "payment_method",
    "card_bin",
    "card_country",
    "card_fingerprint",
    "ip",
    "ip_country",
    "device_id",
    "incoterm",
    "carrier",
)


def csv_row_to_order(row: dict[str, str]) -> dict[str, Any]:
    def val(k: str) -> str | None:
        v = (row.get(k) or "").strip()
        return v or None

    buyer: dict[str, Any] = {
        "role": "buyer",
        "name": val("buyer_name") or "",
        "email": val("buyer_email"),
        "customer_id": val("customer_id"),
    }
    if val("buyer_country"):
        buyer["address"] = {"country": val("buyer_country")}
    parties = [buyer]
    if val("ship_country"):
        parties.append(
            {
                "role": "recipient",
                "name": val("buyer_name") or "",
                "address": {
                    "country": val("ship_country"),
                    "city": val("ship_city"),
                    "postal_code": val("ship_postal_code"),
                },
            }
        )
    order: dict[str, Any] = {
        "id": val("id"),
        "created_at": val("created_at"),
        "currency": val("currency"),
        "total": val("total"),
        "parties": parties,
        "items": [
            {
                "title": val("item_title") or "",
                "hs_code": val("item_hs_code"),
                "quantity": val("item_quantity") or "1",
                "unit_price": val("item_unit_price") or val("total"),
                "origin_country": val("origin_country"),
            }
        ],
        "shipment": {
            "origin_country": val("origin_country"),
            "destination_country": val("ship_country") or val("buyer_country"),
            "incoterm": val("incoterm") or "DAP",
            "carrier": val("carrier"),
        },
    }
    if val("payment_method"):
        order["payment"] = {
            "method": val("payment_method"),
            "amount": val("total"),
            "currency": val("currency"),
            "card_bin": val("card_bin"),
            "card_country": val("card_country"),
            "card_fingerprint": val("card_fingerprint"),
        }
    if val("ip") or val("ip_country") or val("device_id"):
        order["device"] = {
            "ip": val("ip"),
            "ip_country": val("ip_country"),
            "device_id": val("device_id"),
        }
    cleaned: dict[str, Any] = _drop_none(order)
    return cleaned


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def _csv_records(path: str, reader: csv.DictReader[str]) -> Iterator[tuple[str, Any]]:
    """Rows as orders, each named by its line. A quoted field that runs over a line break is
    refused with the lines it swallowed: order columns hold no line breaks, so it is an
    unterminated quote that would otherwise eat the next row silently."""
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (
                f"{path}:{start}",
                InvalidInput(
                    f"malformed CSV quoting in the record starting at line {start}: {exc}",
                    where=f"{path}:{start}",
                ),
            )
            start = reader.line_num + 1
            continue
        end = reader.line_num
        where = f"{path}:{start}"
        if end > start or any(isinstance(v, str) and "\n" in v for v in row.values()):
            yield (
                where,
                InvalidInput(
                    f"malformed CSV quoting: the record starting at line {start} runs to line "
                    f"{end} (an unterminated quote?)",
                    where=where,
                ),
            )
        elif None in row:
            yield (
                where,
                InvalidInput(
                    f"{len(row[None])} more field(s) than the header has",
                    where=where,
                ),
            )
        else:
            try:
                yield where, csv_row_to_order(row)
            except InvalidInput as exc:
                yield where, InvalidInput(exc.message, where=where)
        start = end + 1


def _read_orders(path: str, fmt: str) -> Iterator[tuple[str, Any]]:
    """(where, payload-or-error) for each input record."""
    if fmt == "auto":
        fmt = "csv" if path.lower().endswith(".csv") else "jsonl"
    if fmt == "csv":
        text = read_text(path)
        reader = csv.DictReader(io.StringIO(text), strict=True)
        missing = {"id", "created_at", "currency", "total"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(f"CSV lacks required column(s) {sorted(missing)}", where=f"{path}:1")
        unknown = set(reader.fieldnames or []) - set(CSV_COLUMNS)
        if unknown:
            raise InvalidInput(f"unknown CSV column(s) {sorted(unknown)}", where=f"{path}:1")
        yield from _csv_records(path, reader)
        return
    if fmt != "jsonl":
        raise InvalidInput("format must be jsonl, csv or auto", where="--format")
    fh = sys.stdin if path == "-" else None
    if fh is None:
        if not Path(path).is_file():
            raise InvalidInput("no such file", where=path)
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{n}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"{path}:{n}", InvalidInput(f"invalid JSON: {exc.msg}", where=f"{path}:{n}")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", where=path) from None
    finally:
        if fh is not sys.stdin:
            fh.close()


def assess(
    path: str = typer.Argument(..., help="JSON-lines or CSV file of orders, or - for stdin."),
    fmt: str = typer.Option("auto", "--format", help="jsonl, csv or auto (by extension)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Decide without storing (no history, no ledger)."
    ),
    batch_size: int = typer.Option(200, help="Orders per transaction."),
) -> None:
    """Assess orders and print one JSON decision per line (errors as JSON lines too)."""
    from rich.progress import Progress

    from borderline.engine import Engine
    from borderline.errors import BorderlineError
    from borderline.service import BatchItem, parse_order

    services = None if dry_run else open_services()
    engine = Engine() if dry_run else None
    counts: Counter[str] = Counter()
    pending: list[tuple[str, Any]] = []

    def flush() -> None:
        if not pending:
            return
        if engine is not None:
            for where, payload in pending:
                try:
                    d = engine.assess(parse_order(payload, ""))
                    counts[str(d.outcome)] += 1
                    typer.echo(d.model_dump_json())
                except InvalidInput as exc:
                    counts["error"] += 1
                    echo_json({"input": where, **exc.to_dict()})
        else:
            assert services is not None
            try:
                items = services.assess_batch([p for _, p in pending])
            except Exception:
                # The batch stored nothing (it is one transaction). Go order by order so one
                # bad line costs only itself, and say which line it was.
                items = []
                for i, (_, payload) in enumerate(pending):
                    item = BatchItem(index=i, order_id=None)
                    try:
                        item.decision, item.replayed = services.assess(payload)
                    except BorderlineError as exc:
                        item.error = {**exc.to_dict(), "status": exc.status}
                    except Exception as exc:
                        item.error = {"error": "failed", "message": f"{type(exc).__name__}: {exc}"}
                    items.append(item)
            for (where, _), item in zip(pending, items, strict=True):
                if item.error:
                    counts["error"] += 1
                    echo_json({"input": where, **item.error})
                else:
                    assert item.decision is not None
                    counts[str(item.decision.outcome)] += 1
                    typer.echo(item.decision.model_dump_json())
        pending.clear()

    show = sys.stderr.isatty()
    with Progress(transient=True, disable=not show, console=None) as progress:
        task = progress.add_task("assessing", total=None)
        for where, payload in _read_orders(path, fmt):
            if isinstance(payload, InvalidInput):
                counts["error"] += 1
                echo_json({"input": where, **payload.to_dict()})
                continue
            pending.append((where, payload))
            if len(pending) >= batch_size:
                flush()
            progress.advance(task)
        flush()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    typer.echo(f"assessed {sum(counts.values())} ({summary or 'nothing'})", err=True)
    if counts["error"]:
        raise typer.Exit(1)


# -- policy ------------------------------------------------------------------------------------


@policy_app.command("check")
def policy_check(file: str = typer.Argument(..., help="Policy file, or - for stdin.")) -> None:
    """Parse and compile a policy; print what it contains or where it is wrong."""
    from borderline.engine import Engine

    engine = Engine()
    from borderline.policy import compile_policy

    compiled = compile_policy(read_text(file), engine.signals)
    typer.echo(
        f"ok: policy '{compiled.name}', {sum(r.kind == 'gate' for r in compiled.rules)} "
        f"gates, {sum(r.kind == 'rule' for r in compiled.rules)} rules, thresholds "
        + ", ".join(f"{k} {v:g}" for k, v in compiled.thresholds.items())
    )


@policy_app.command("test")
def policy_test(
    file: str = typer.Argument(..., help="Policy file."),
    orders: str = typer.Option(..., "--orders", help="JSON-lines orders to try it on."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decide orders from a file under a policy without storing anything."""
    from borderline.engine import Engine
    from borderline.service import parse_order

    engine = Engine(policy=read_text(file), policy_version="test")
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
    services = open_services()
    principal = webauth.authenticate_user(services, user, password)
    principal.require("activate")
    row = services.activate_policy(version, principal.person)
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
    action: str = typer.Option("block", help="block or allow"),
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


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("assess")(assess)
    app.add_typer(policy_app, name="policy")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(keys_app, name="keys")
