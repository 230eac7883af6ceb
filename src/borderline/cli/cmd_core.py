"""Core commands: serve and assess here; policy, block/allow lists, ledger and keys from
``_policy_cmds`` and ``_ledger_cmds`` (registered here, in this order)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import typer

from borderline.cli._common import echo_json, read_text
from borderline.cli._ledger_cmds import keys_app, ledger_app
from borderline.cli._policy_cmds import policy_app
from borderline.cli._services import open_services, standalone_engine
from borderline.errors import InvalidInput
from borderline.files import existing_file

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

    from borderline.cli._services import cli_settings

    settings = cli_settings()
    typer.echo(
        f"Borderline on http://{host}:{port}  (database: {settings.url.split(':', 1)[0]}, "
        f"data: {settings.data_dir})",
        err=True,
    )
    if workers > 1:
        # Each worker process opens its own application from the import string.
        services, loader = _open_for_serving(samples)
        if loader is None:
            services.close()
        from borderline.api.tcp import run as run_workers

        run_workers("borderline.api.main:app", host, port, workers)
        return
    # One process: listen at once and open the application on a thread (/health says
    # "starting" meanwhile; other requests wait for it), then serve that one application.
    from borderline.api.logs import install_log_filters
    from borderline.api.starting import StartingApp

    def open_app() -> Any:
        from borderline.api.app import create_app

        app = create_app(_open_for_serving(samples)[0])
        typer.echo("Open: every route is served.", err=True)
        return app

    starting = StartingApp(open_app, database=settings.url.split(":", 1)[0].split("+")[0])
    from borderline.api.tcp import PROTOCOL

    config = uvicorn.Config(starting, host=host, port=port, log_level="warning", http=PROTOCOL)
    install_log_filters()  # after uvicorn.Config has set up its loggers
    uvicorn.Server(config).run()


def _open_for_serving(samples: int) -> tuple[Any, Any]:
    """Open the application, make the first admin key, start loading the sample orders."""
    from borderline.samples import marker_path, start_background_load

    services = open_services()
    # A marker left by a process killed mid-load: the load starts again below if needed.
    marker_path(services.settings.data_dir).unlink(missing_ok=True)
    secret = bootstrap_admin_key(services)
    # The sample orders load while the server already answers (the dashboard says so).
    loader = start_background_load(services, services.settings.data_dir, load_samples, samples)
    if loader is not None:
        typer.echo(f"Loading {samples} sample orders in the background.", err=True)
    if secret:
        typer.echo(
            f"Initial admin API key (shown once, also in "
            f"{services.settings.data_dir / 'initial-admin-key.txt'}):\n  {secret}",
            err=True,
        )
    typer.echo(
        "Dashboard: /web/ (create a sign-in with `borderline users add NAME --role admin`)",
        err=True,
    )
    return services, loader


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
        fh = open(existing_file(path), encoding="utf-8")  # noqa: SIM115 - closed below
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
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Processes that assess at once, each customer's orders in one of them, in order "
        "(a process per core; not with --dry-run).",
    ),
) -> None:
    """Assess orders and print one JSON decision per line (errors as JSON lines too)."""
    from rich.progress import Progress

    from borderline.cli._parallel import Printed, Record, assess_in_workers, assess_items
    from borderline.service import parse_order

    if dry_run and workers > 1:
        raise InvalidInput("--workers stores decisions; --dry-run does not", where="--workers")
    counts: Counter[str] = Counter()
    show = sys.stderr.isatty()

    def emit(line: Printed) -> None:
        counts[line[0]] += 1
        typer.echo(line[1])

    def valid(records: Iterator[tuple[str, Any]], advance: Callable[[], None]) -> Iterator[Record]:
        for where, payload in records:
            advance()
            if isinstance(payload, InvalidInput):
                counts["error"] += 1
                echo_json({"input": where, **payload.to_dict()})
                continue
            yield where, payload

    def one_process(records: Iterator[Record]) -> None:
        services = None if dry_run else open_services()
        engine = standalone_engine() if dry_run else None
        pending: list[Record] = []

        def flush() -> None:
            if engine is not None:
                for where, payload in pending:
                    try:
                        d = engine.assess(parse_order(payload, ""))
                        emit((str(d.outcome), d.model_dump_json()))
                    except InvalidInput as exc:
                        counts["error"] += 1
                        echo_json({"input": where, **exc.to_dict()})
            elif pending:
                for line in assess_items(services, pending):
                    emit(line)
            pending.clear()

        for record in records:
            pending.append(record)
            if len(pending) >= batch_size:
                flush()
        flush()

    with Progress(transient=True, disable=not show, console=None) as progress:
        task = progress.add_task("assessing", total=None)
        records = valid(_read_orders(path, fmt), lambda: progress.advance(task))
        if workers > 1:

            def fallback(rest: Iterator[Record]) -> None:
                typer.echo(
                    "an assessor reads other customers' recorded orders (the fraud feature "
                    "store with a model in service): assessing in one process",
                    err=True,
                )
                one_process(rest)

            assess_in_workers(records, workers, batch_size, emit, fallback)
        else:
            one_process(records)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    typer.echo(f"assessed {sum(counts.values())} ({summary or 'nothing'})", err=True)
    if counts["error"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("assess")(assess)
    app.add_typer(policy_app, name="policy")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(keys_app, name="keys")
