"""``borderline transfer …``: assess a cross-border personal-data transfer, the data-flow
register, reports. Thin: parse, call ``borderline.privacy.transfer``, print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json
from borderline.errors import InvalidInput, from_validation

transfer_app = typer.Typer(
    help="Cross-border personal-data transfers: assess, register, report.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(transfer_app, name="transfer")


@transfer_app.command("rules")
def transfer_rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """The encoded regimes: version, exporters, and how many cited facts are verified."""
    from borderline.privacy import load_regimes

    for reg in load_regimes():
        statuses = reg.fact_statuses()
        row = {
            "id": reg.id,
            "name": reg.name,
            "version": reg.version,
            "kind": reg.kind,
            "exporters": reg.data["exporters"],
            "facts": statuses,
            "file": reg.source_file,
        }
        if as_json:
            echo_json(row)
        else:
            typer.echo(
                f"{reg.id:10} v{reg.version:11} {', '.join(reg.data['exporters']):8} "
                f"verified {statuses['V']:2}, recalled {statuses['M']:2}, unverified "
                f"{statuses['U']:2}  {reg.name}"
            )


def _read_transfer(file: str) -> dict[str, Any]:
    from borderline.cli._common import read_text

    raw = read_text(file)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg} (line {exc.lineno})", where=file) from None
    if not isinstance(data, dict):
        raise InvalidInput("expected one JSON object describing the transfer", where=file)
    return data


@transfer_app.command("assess")
def transfer_assess(
    file: str = typer.Option("-", "--file", "-f", help="Transfer JSON; '-' (default) is stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the full assessment as JSON."),
    record: bool = typer.Option(
        False, "--record", help="Store it in the data-flow register (and count volumes from it)."
    ),
    order_id: str = typer.Option(None, "--order-id", help="Order that caused the transfer."),
) -> None:
    """May this transfer happen, on what terms? Every conclusion cites its source."""
    from borderline.privacy import TransferRequest, assess_transfer

    data = _read_transfer(file)
    if not record:
        result = assess_transfer(data)
        _print_assessment(result.model_dump(mode="json"), as_json, None)
        return
    from borderline.cli._services import open_services
    from borderline.privacy import LEDGER_KIND, DbVolumes, ledger_record, record_transfer
    from borderline.store import transaction

    services = open_services()
    try:
        with transaction(services.sessions) as session:
            req = _validated(data, TransferRequest)
            result = assess_transfer(req, volumes=DbVolumes(session))
            row = record_transfer(session, req, result, created_by="cli", order_id=order_id)
            services.ledger.append(
                session, kind=LEDGER_KIND, subject=row.id, record=ledger_record(row)
            )
            rid = row.id
    finally:
        services.close()
    _print_assessment(result.model_dump(mode="json"), as_json, rid)


def _validated(data: dict[str, Any], model: Any) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, default_where="") from None


def _print_assessment(a: dict[str, Any], as_json: bool, rid: str | None) -> None:
    if as_json:
        echo_json(a | ({"register_id": rid} if rid else {}))
        return
    t = a["transfer"]
    typer.echo(
        f"{t['exporter_country']} -> {t['importer_country']}: {a['outcome']}"
        + (" (advisory)" if a["advisory"] else "")
        + (f"  [register {rid}]" if rid else "")
    )
    for c in a["conclusions"]:
        cit = c["citation"]
        typer.echo(
            f"  - [{c['regime']}] {c['text']}  ({cit['title']}, {cit['article']}; "
            f"{'binding' if cit['binding'] else 'advisory'})"
        )
    for m in a["mechanisms"]:
        typer.echo(f"  mechanism: {m['name']}" + (f" - {m['module']}" if m.get("module") else ""))
    for x in a["actions"]:
        typer.echo(f"  action: {x['action']} - {x['deadline']}")


register_app = typer.Typer(
    help="The data-flow register of recorded transfers.", no_args_is_help=True
)
transfer_app.add_typer(register_app, name="register")


@register_app.command("list")
def register_list(limit: int = typer.Option(50, "--limit", min=1, max=10_000)) -> None:
    """Recorded transfers, newest first, as JSON lines."""
    from borderline.cli._services import open_services
    from borderline.privacy import list_transfers, row_summary

    services = open_services()
    try:
        with services.sessions() as session:
            for row in list_transfers(session, limit):
                echo_json(row_summary(row))
    finally:
        services.close()


@register_app.command("export")
def register_export(
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write (default stdout)."),
) -> None:
    """The whole register, for an auditor or a records-of-processing tool."""
    from borderline.cli._services import open_services
    from borderline.privacy import export_register

    if fmt not in ("csv", "jsonl"):
        raise InvalidInput("format must be csv or jsonl", where="--format")
    services = open_services()
    try:
        with services.sessions() as session:
            body = export_register(session, fmt)
    finally:
        services.close()
    if output is None:
        typer.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")


@transfer_app.command("report")
def transfer_report(
    transfer_id: str = typer.Argument(..., help="Register id."),
    fmt: str = typer.Option("html", "--format", help="html or pdf."),
    output: Path = typer.Option(..., "-o", "--output"),
) -> None:
    """The report of one recorded transfer, as HTML or PDF."""
    from borderline.cli._services import open_services
    from borderline.privacy import get_transfer, render_html, render_pdf

    if fmt not in ("html", "pdf"):
        raise InvalidInput("format must be html or pdf", where="--format")
    services = open_services()
    try:
        with services.sessions() as session:
            row = get_transfer(session, transfer_id)
            meta = {"id": row.id, "date": row.transfer_date.isoformat()}
            assessment = row.assessment
    finally:
        services.close()
    if fmt == "html":
        output.write_text(render_html(assessment, meta), encoding="utf-8")
    else:
        output.write_bytes(render_pdf(assessment, meta))
    typer.echo(str(output))
