"""Labels from the command line: one label, or a JSON-lines file of them, each on its own."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from borderline.cli._common import echo_json
from borderline.cli._services import open_services
from borderline.errors import InvalidInput
from borderline.files import existing_file

labels_app = typer.Typer(
    help="Chargebacks, fraud refunds and analyst outcomes.", no_args_is_help=True
)


def _user() -> str:
    import getpass

    return getpass.getuser()


def _report(results: list[dict[str, object]]) -> None:
    failed = 0
    for r in results:
        if "error" in r:
            failed += 1
            err = r["error"]
            assert isinstance(err, dict)
            typer.echo(f"#{r['index']}: error: {err.get('where')}: {err.get('message')}", err=True)
        else:
            lab = r["label"]
            assert isinstance(lab, dict)
            typer.echo(f"#{r['index']}: {lab['label_id']} {lab['kind']} on {lab['order_id']}")
    typer.echo(f"{len(results) - failed} stored, {failed} rejected", err=True)
    if failed:
        raise typer.Exit(1)


@labels_app.command("add")
def labels_add(
    order_id: str = typer.Argument(...),
    kind: str = typer.Argument(
        ..., help="chargeback, refund_fraud, analyst, friendly_fraud, legitimate"
    ),
    reason: str = typer.Option(None),
    event_at: str = typer.Option(None, help="When it happened, ISO 8601 with zone (default now)."),
    fraud: bool = typer.Option(None, "--fraud/--not-fraud", help="Default: all but legitimate."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Label one stored order."""
    lab: dict[str, object] = {"order_id": order_id, "kind": kind}
    for k, v in (("reason", reason), ("event_at", event_at), ("is_fraud", fraud)):
        if v is not None:
            lab[k] = v
    results = open_services().add_labels_each([lab], _user())
    if as_json:
        echo_json(results[0])
    _report(results)


@labels_app.command("import")
def labels_import(
    file: Path = typer.Argument(..., help="JSON lines: {order_id, kind, reason?, event_at?}"),
) -> None:
    """Label many orders; an unknown order id or a bad line is reported, the rest are stored."""
    labels: list[dict[str, object]] = []
    for n, line in enumerate(existing_file(file).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not JSON: {exc.msg}", where=f"{file}:{n}") from None
        if not isinstance(obj, dict):
            raise InvalidInput("each line is a JSON object", where=f"{file}:{n}")
        labels.append(obj)
    _report(open_services().add_labels_each(labels, _user()))


def register(app: typer.Typer) -> None:
    app.add_typer(labels_app, name="labels")
