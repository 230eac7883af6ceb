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
            raise InvalidInput(
                exc.message, where=f"{where}: {exc.where or ''}".rstrip(": ")
            ) from None
        out = {"id": obj.get("id"), "entities": [e.to_json() for e in found]}
        if as_json:
            echo_json(out)
        else:
            typer.echo(
                f"{obj.get('id')}: "
                + ", ".join(
                    f"{e.type}[{e.start}:{e.end}]" + (f"@{e.path}" if e.path else "") for e in found
                )
            )


def _keyring_path(keyring: Path | None) -> Path:
    from borderline.settings import Settings

    return keyring or Settings().data_dir / "privacy-keyring.json"


def _load_ring(method: str, keyring: Path | None) -> Any:
    from borderline.privacy.anonymise import KEYED, Keyring

    return Keyring.load(_keyring_path(keyring)) if method in KEYED else None


@privacy_app.command("scan")
def scan_cmd(
    file: Path = typer.Argument(..., help="Text, CSV or JSONL file."),
    as_json: bool = typer.Option(False, "--json"),
    country: str = typer.Option(None, "--country", help="Country of the records (alpha-2)."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0),
) -> None:
    """Report what personal data FILE holds, by type and by field. Never prints the values."""
    from borderline.privacy.files import process

    analyzer = _analyzer(None, threshold)
    with _progress(file) as advance:
        report = process(file, analyzer, country=country, progress=advance)
    _print_report(report.to_json(), as_json)


@privacy_app.command("redact")
def redact_cmd(
    file: Path = typer.Argument(..., help="Text, CSV or JSONL file."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the redacted copy."),
    method: str = typer.Option(
        "replace", "--method", help="redact, mask, replace, hash, fpe or encrypt."
    ),
    keyring: Path = typer.Option(
        None,
        "--keyring",
        help="Keyring for hash/fpe/encrypt (default DATA_DIR/privacy-keyring.json).",
    ),
    country: str = typer.Option(None, "--country"),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Write a copy of FILE with personal data replaced; streamed, atomic."""
    from borderline.privacy.anonymise import anonymise_value
    from borderline.privacy.files import redact_file

    anonymise_value(
        "x",
        "PERSON",
        method,
        None if method not in ("hash", "fpe", "encrypt") else _load_ring(method, keyring),
    )
    ring = _load_ring(method, keyring)
    analyzer = _analyzer(None, threshold)
    with _progress(file) as advance:
        report = redact_file(
            file, output, analyzer, method=method, ring=ring, country=country, progress=advance
        )
    _print_report(report.to_json() | {"output": str(output), "method": method}, as_json)


keys_app = typer.Typer(help="Keys for pseudonyms, FPE and encryption.", no_args_is_help=True)
privacy_app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(
    keyring: Path = typer.Option(None, "--keyring", help="Keyring file (created if missing)."),
) -> None:
    """Add a new current key; older keys stay so old tokens still decrypt."""
    from borderline.privacy.anonymise import Keyring

    path = _keyring_path(keyring)
    ring = Keyring.load(path) if path.is_file() else Keyring()
    kid = ring.rotate()
    ring.save(path)
    echo_json({"keyring": str(path), "current": kid, "keys": sorted(ring.keys)})


@privacy_app.command("decrypt")
def decrypt_cmd(
    text: str = typer.Argument(..., help="Text holding enc:<key id>:… tokens; '-' reads stdin."),
    keyring: Path = typer.Option(None, "--keyring"),
) -> None:
    """Turn encryption tokens back into their values (needs the keyring that made them)."""
    from borderline.privacy.anonymise import Keyring, decrypt_text

    body = sys.stdin.read() if text == "-" else text
    typer.echo(decrypt_text(body, Keyring.load(_keyring_path(keyring))))


class _progress:
    """A rich progress bar over the file's bytes, on stderr so stdout stays clean JSON."""

    def __init__(self, file: Path) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        self.total = file.stat().st_size if file.is_file() else 0
        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=True,
        )

    def __enter__(self) -> Any:
        self.bar.start()
        task = self.bar.add_task("scanning", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def _print_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(report)
        return
    typer.echo(
        f"{report['path']} ({report['format']}): {report['units']} units, {report['entities']} "
        f"entities, {report['chars_per_second']} chars/s"
        + (f" -> {report['output']} ({report['method']})" if "output" in report else "")
    )
    for t, n in report["by_type"].items():
        typer.echo(f"  {t:15} {n}")
    for f, counts in report["by_field"].items():
        typer.echo(f"  field {f}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))


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


@bench_app.command("privacy")
def bench_privacy(
    samples: int = typer.Option(600, "--samples", min=10, help="Samples to generate."),
    seed: int = typer.Option(2026, "--seed", help="Generator seed (7 is the tuning seed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    dump: Path = typer.Option(None, "--dump", help="Also write the labelled set as JSONL."),
) -> None:
    """Span-level precision/recall/F2: Borderline vs Presidio (regex-only), one run."""
    from rich.console import Console
    from rich.table import Table

    from borderline.privacy.bench import run_benchmark
    from borderline.privacy.evalset import generate

    data = generate(samples, seed=seed)
    if dump is not None:
        with dump.open("w", encoding="utf-8") as fh:
            for s in data:
                fh.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    report = run_benchmark(data)
    report["seed"] = seed
    if as_json:
        echo_json(report)
        return
    console = Console()
    console.print(
        f"privacy detection: {report['samples']} samples {report['samples_by_kind']}, "
        f"languages {report['samples_by_lang']}, {report['gold_spans']} gold spans, seed {seed}; "
        f"{report['machine']}"
    )
    table = Table("system", "precision", "recall", "F2", "F2 exact", "tp", "fp", "fn", "chars/s")
    for name, r in report["systems"].items():
        o = r["overall"]
        table.add_row(
            name,
            f"{o['precision']:.3f}",
            f"{o['recall']:.3f}",
            f"{o['f2']:.3f}",
            f"{r['overall_exact']['f2']:.3f}",
            str(o["tp"]),
            str(o["fp"]),
            str(o["fn"]),
            str(r["chars_per_second"]),
        )
    console.print(table)
    per = Table("type", *report["systems"])
    for t in report["gold_by_type"]:
        per.add_row(
            t,
            *[
                "P{precision:.2f} R{recall:.2f}".format(
                    **r["by_type"].get(t, {"precision": 0, "recall": 0})
                )
                for r in report["systems"].values()
            ],
        )
    console.print(per)
