"""``borderline privacy …`` (detect, scan, redact, keys, train-ner). Thin: parse, call
``borderline.privacy``, print. ``borderline transfer …`` is in ``cmd_transfer``, ``borderline
bench privacy`` in ``cmd_bench_privacy``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json, iter_jsonl
from borderline.errors import InvalidInput
from borderline.files import existing_file

privacy_app = typer.Typer(
    help="Find and protect personal data: detect, scan, redact, keys.", no_args_is_help=True
)


def _analyzer(recognizers: list[Path] | None, threshold: float) -> Any:
    from borderline.privacy import Analyzer

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
    if batch != "-":
        existing_file(batch)
    # Lines are read in chunks so the entity model sees many texts at once (several times
    # faster than one by one); output order and per-line errors are as before.
    chunk: list[tuple[str, dict[str, Any], str | None]] = []
    for lineno, obj in iter_jsonl(batch):
        where = f"{batch}:{lineno}"
        cc = obj.get("country", country)
        if cc is not None and not isinstance(cc, str):
            raise InvalidInput("'country' must be a string", where=where)
        chunk.append((where, obj, cc))
        if len(chunk) >= _BATCH_CHUNK:
            _detect_chunk(analyzer, chunk, as_json)
            chunk = []
    _detect_chunk(analyzer, chunk, as_json)


_BATCH_CHUNK = 256


def _detect_chunk(
    analyzer: Any, chunk: list[tuple[str, dict[str, Any], str | None]], as_json: bool
) -> None:
    texts = [
        (i, obj["text"], cc)
        for i, (_, obj, cc) in enumerate(chunk)
        if isinstance(obj.get("text"), str)
    ]
    batched: dict[int, list[Any]] = {}
    try:
        found_many = analyzer.analyze_many(
            [t for _, t, _ in texts], countries=[c for _, _, c in texts]
        )
        batched = {i: f for (i, _, _), f in zip(texts, found_many, strict=True)}
    except InvalidInput:
        pass  # one line is bad: the line-by-line pass below names it
    for i, (where, obj, cc) in enumerate(chunk):
        try:
            if i in batched:
                found = batched[i]
            elif isinstance(obj.get("text"), str):
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


@privacy_app.command("train-ner")
def train_ner_cmd(
    out: Path = typer.Option(
        None, "--out", help="Folder to write the model to (default: the one the package ships)."
    ),
    epochs: int = typer.Option(6, "--epochs", min=1, max=100),
    seed: int = typer.Option(0, "--seed"),
    dropout: float = typer.Option(0.2, "--dropout", min=0.0, max=0.9),
    fewer_labels: bool = typer.Option(
        False,
        "--fewer-labels",
        help="Keep only the five labels the product reports, the others folded into MISC "
        "(26 moves instead of 74: faster detection).",
    ),
    averages: bool = typer.Option(
        False, "--averages", help="Score and keep the optimizer's moving averages of the weights."
    ),
    unsure_orgs: bool = typer.Option(
        False,
        "--unsure-orgs",
        help="Leave unannotated the organisations the base model finds and the corpus does "
        "not label.",
    ),
    limit: int = typer.Option(
        None, "--limit", min=10, help="Train on the first N texts only (a quick check)."
    ),
    dev_limit: int = typer.Option(
        None,
        "--dev-limit",
        min=10,
        help="Choose the epoch on the first N dev texts of each corpus.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
) -> None:
    """Fine-tune the entity model on the train parts of the shipped NER corpora (BTC, WNUT
    2017); the dev parts choose the epoch; the test parts are never seen."""
    from borderline.bench.ner_corpora import CORPORA, TRAIN_CORPORA, load
    from borderline.privacy import (
        KEEP_LABELS,
        UNSURE_LABELS,
        TrainText,
        shipped_model_path,
        train,
    )

    texts = [TrainText(s.text, s.spans) for c in TRAIN_CORPORA for s in load(c, "train")]
    dev = [TrainText(s.text, s.spans) for c in CORPORA for s in load(c, "dev")[:dev_limit]]
    report = train(
        texts[:limit] if limit else texts,
        dev,
        out or shipped_model_path(),
        epochs=epochs,
        seed=seed,
        dropout=dropout,
        labels=KEEP_LABELS if fewer_labels else None,
        unsure=UNSURE_LABELS if unsure_orgs else (),
        averages=averages,
        sources=[f"{c}-train" for c in TRAIN_CORPORA],
        progress=None if as_json else lambda m: typer.echo(m, err=True),
    )
    if as_json:
        echo_json(report.to_json())
    else:
        best = report.dev_by_epoch[report.best_epoch]
        typer.echo(
            f"trained on {report.train_texts} texts in {report.seconds:.0f} s; epoch "
            f"{report.best_epoch} kept (dev exact-span F1 {best['f1']:.3f}, base "
            f"{report.dev_by_epoch[0]['f1']:.3f}); written to {out or shipped_model_path()}"
        )


@privacy_app.command("recognizers")
def recognizers_cmd(
    as_json: bool = typer.Option(False, "--json"),
    recognizers: list[Path] = typer.Option(None, "--recognizers", help="Extra YAML to include."),
) -> None:
    """List the recognizers: type, country, kind, validator and source file."""
    from borderline.privacy import load_recognizers

    for r in load_recognizers(recognizers or ()):
        row = {
            "name": r.name,
            "type": r.type,
            "country": r.country,
            "kind": r.kind,
            "validator": r.validator_spec,
            "patterns": [p.name for p in r.patterns],
            "context": list(r.context),
            "source": Path(r.source).name,
        }
        if as_json:
            echo_json(row)
        else:
            typer.echo(
                f"{r.name:24} {r.type:15} {r.country or '':3} {r.validator_spec or '':26} "
                f"{r.kind or ''}"
            )


def _keyring_path(keyring: Path | None) -> Path:
    from borderline.cli._services import cli_settings

    return keyring or cli_settings().data_dir / "privacy-keyring.json"


def _load_ring(method: str, keyring: Path | None) -> Any:
    from borderline.privacy import KEYED, Keyring

    return Keyring.load(_keyring_path(keyring)) if method in KEYED else None


@privacy_app.command("scan")
def scan_cmd(
    file: Path = typer.Argument(..., help="Text, CSV or JSONL file."),
    as_json: bool = typer.Option(False, "--json"),
    country: str = typer.Option(None, "--country", help="Country of the records (alpha-2)."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0),
) -> None:
    """Report what personal data FILE holds, by type and by field. Never prints the values."""
    from borderline.privacy import process

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
    from borderline.privacy import anonymise_value, redact_file

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
    from borderline.privacy import Keyring

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
    from borderline.privacy import Keyring, decrypt_text

    body = sys.stdin.read() if text == "-" else text
    typer.echo(decrypt_text(body, Keyring.load(_keyring_path(keyring))))


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None]]:
    """A rich progress bar over the file's bytes, on stderr so stdout stays clean JSON."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    total = file.stat().st_size if file.is_file() else 0
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task("scanning", total=total)
        yield lambda n: bar.advance(task, n)


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
