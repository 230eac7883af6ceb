"""``borderline privacy …`` (detect, scan, redact, keys), ``borderline transfer …`` and
``borderline bench privacy``. Thin: parse, call ``borderline.privacy``, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json, iter_jsonl
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput

privacy_app = typer.Typer(
    help="Find and protect personal data: detect, scan, redact, keys.", no_args_is_help=True
)
transfer_app = typer.Typer(
    help="Cross-border personal-data transfers: assess, register, report.", no_args_is_help=True
)


def _analyzer(recognizers: list[Path] | None, threshold: float) -> Any:
    from borderline.privacy.analyzer import Analyzer

    return Analyzer(extra=recognizers or (), threshold=threshold)


@privacy_app.command("detect")
def detect_cmd(
    text: str = typer.Argument(None, help="Text to scan; '-' reads stdin."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input."),
    batch: str = typer.Option(
        None,
        "--batch",
        help='JSON-lines file (or - for stdin) of {"id", "text"} or {"id", "record"} objects.',
    ),
    country: str = typer.Option(None, "--country", help="Record country (ISO alpha-2)."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0),
    recognizers: list[Path] = typer.Option(
        None, "--recognizers", help="Extra recognizer YAML file or folder (repeatable)."
    ),
) -> None:
    """Find personal data in TEXT, or in every line of a --batch JSONL file."""
    if (text is None) == (batch is None):
        raise InvalidInput("give either TEXT or --batch FILE", where="privacy detect")
    analyzer = _analyzer(recognizers, threshold)
    if batch is None:
        body = sys.stdin.read() if text == "-" else text
        entities = analyzer.analyze(body, country=country)
        if as_json:
            echo_json({"entities": [e.to_json() for e in entities]})
        else:
            _print_table(entities)
        return
    if batch != "-" and not Path(batch).is_file():
        raise InvalidInput("no such file", where=batch)
    for lineno, obj in iter_jsonl(batch):
        where = f"{batch}:{lineno}"
        cc = obj.get("country", country)
        if cc is not None and not isinstance(cc, str):
            raise InvalidInput("'country' must be a string", where=where)
        try:
            if isinstance(obj.get("text"), str):
                found = analyzer.analyze(obj["text"], country=cc)
            elif isinstance(obj.get("record"), dict):
                found = analyzer.analyze_record(obj["record"], country=cc)
            else:
                raise InvalidInput("each line needs a string 'text' or an object 'record'")
        except InvalidInput as exc:
            raise InvalidInput(exc.message, where=f"{where}: {exc.where or ''}".rstrip(": "))
        out = {"id": obj.get("id"), "entities": [e.to_json() for e in found]}
        if as_json:
            echo_json(out)
        else:
            typer.echo(f"{obj.get('id')}: " + ", ".join(
                f"{e.type}[{e.start}:{e.end}]" + (f"@{e.path}" if e.path else "") for e in found
            ))


def _print_table(entities: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("type", "start", "end", "score", "text", "explanation")
    for e in entities:
        table.add_row(e.type, str(e.start), str(e.end), f"{e.score:.2f}", e.text, e.explanation)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
    app.add_typer(transfer_app, name="transfer")


__all__ = ["bench_app", "json", "register"]
