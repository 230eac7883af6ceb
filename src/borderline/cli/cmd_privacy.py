"""``borderline privacy …`` (detect, scan, redact, keys), ``borderline transfer …`` and
``borderline bench privacy``. Thin: parse, call ``borderline.privacy``, print."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json, iter_jsonl
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput, from_validation

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


@privacy_app.command("recognizers")
def recognizers_cmd(
    as_json: bool = typer.Option(False, "--json"),
    recognizers: list[Path] = typer.Option(None, "--recognizers", help="Extra YAML to include."),
) -> None:
    """List the recognizers: type, country, kind, validator and source file."""
    from borderline.privacy.recognizers import load_recognizers

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


@transfer_app.command("rules")
def transfer_rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """The encoded regimes: version, exporters, and how many cited facts are verified."""
    from borderline.privacy.transfer.engine import load_regimes

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
    app.add_typer(transfer_app, name="transfer")


@bench_app.command("privacy")
def bench_privacy(
    samples: int = typer.Option(600, "--samples", min=10, help="Samples to generate."),
    seed: int = typer.Option(2026, "--seed", help="Generator seed (7 is the tuning seed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    dump: Path = typer.Option(None, "--dump", help="Also write the labelled set as JSONL."),
    corpora: bool = typer.Option(
        True, "--corpora/--no-corpora", help="Also score the held-out NER corpora test splits."
    ),
    corpus_limit: int = typer.Option(
        None, "--corpus-limit", min=1, help="Score only the first N sentences of each corpus."
    ),
    presidio_model: bool = typer.Option(
        True,
        "--presidio-model/--no-presidio-model",
        help="Also run Presidio with the shipped spaCy model (slower).",
    ),
    speed: bool = typer.Option(
        True, "--speed/--no-speed", help="Measure records/s on ~100-character texts."
    ),
) -> None:
    """Span-level precision/recall/F2: Borderline vs Presidio (regex-only and with the same
    spaCy model), one run, on the team's sets and on public NER corpora."""
    from rich.console import Console

    from borderline.bench.privacy import predict_presidio, run_benchmark
    from borderline.bench.privacy_evalset import generate, handwritten

    data = generate(samples, seed=seed)
    if dump is not None:
        with dump.open("w", encoding="utf-8") as fh:
            for s in data:
                fh.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    extra: dict[str, Callable[[list[Any]], list[Any]]] = {}
    engine: Any = None
    if presidio_model:
        from borderline.bench.privacy_ner import presidio_spacy, without_organizations

        # One engine that keeps ORG; Presidio's default (ORG silenced) is a view of its output.
        engine = presidio_spacy(organizations=True)
        extra["presidio+spacy"] = lambda smp: without_organizations(
            predict_presidio(smp, engine, 0.0)
        )
    reports: dict[str, Any] = {
        "generated": run_benchmark(data, extra=extra),
        "handwritten": run_benchmark(handwritten(), extra=extra),
        "handwritten2 (held out)": run_benchmark(handwritten("handwritten2.jsonl"), extra=extra),
    }
    reports["generated"]["seed"] = seed
    if corpora:
        from borderline.bench import privacy_ner as pn

        systems: dict[str, pn.Predictor] = {"borderline": pn.borderline_predictor()}
        derived: dict[str, tuple[str, Callable[[list[Any]], list[Any]]]] = {}
        if engine is not None:
            systems["presidio+spacy+org"] = pn.presidio_predictor(engine)
            derived["presidio+spacy"] = ("presidio+spacy+org", pn.without_organizations)
        reports["corpora (test splits)"] = pn.run_corpora(
            systems, limit=corpus_limit, derived=derived
        )
    if speed:
        from borderline.bench import privacy_ner as pn

        reports["speed"] = pn.throughput(n=200 if corpus_limit else 2000)
        reports["speed"]["model_load_seconds"] = pn.model_load_seconds()
        reports["install"] = pn.install_size()
    if as_json:
        echo_json(reports)
        return
    _print_bench(Console(width=200), reports)


def _print_bench(console: Any, reports: dict[str, Any]) -> None:
    from rich.table import Table

    for label, report in reports.items():
        if label in ("speed", "install") or label.startswith("corpora"):
            continue
        console.print(
            f"[bold]{label}[/bold]: {report['samples']} samples {report['samples_by_kind']}, "
            f"languages {report['samples_by_lang']}, {report['gold_spans']} gold spans; "
            f"{report['machine']}"
        )
        table = Table(
            "system",
            "P",
            "R",
            "F2",
            "F2 exact",
            "F2 family",
            "F2 shared types",
            "tp",
            "fp",
            "fn",
            "chars/s",
        )
        for name, r in report["systems"].items():
            o = r["overall"]
            table.add_row(
                name,
                f"{o['precision']:.3f}",
                f"{o['recall']:.3f}",
                f"{o['f2']:.3f}",
                f"{r['overall_exact']['f2']:.3f}",
                f"{r['overall_families']['f2']:.3f}",
                f"{r['shared_types']['f2']:.3f}",
                str(o["tp"]),
                str(o["fp"]),
                str(o["fn"]),
                str(r["chars_per_second"]),
            )
        console.print(table)
        per = Table("type", *report["systems"])
        empty = {"precision": 0, "recall": 0}
        for t in report["gold_by_type"]:
            cells = [
                "P{precision:.2f} R{recall:.2f}".format(**r["by_type"].get(t, empty))
                for r in report["systems"].values()
            ]
            per.add_row(t, *cells)
        console.print(per)
    corp = reports.get("corpora (test splits)")
    if corp is not None:
        console.print(f"[bold]NER corpora, {corp['split']} splits[/bold]; {corp['machine']}")
        table = Table("corpus", "system", "family", "P", "R", "F2", "tp", "fp", "fn")
        rows = [(c, e["systems"]) for c, e in corp["corpora"].items()] + [("all", corp["all"])]
        for corpus, systems in rows:
            for name, r in systems.items():
                for fam, v in r["families"].items():
                    table.add_row(
                        corpus,
                        name,
                        fam,
                        f"{v['precision']:.3f}",
                        f"{v['recall']:.3f}",
                        f"{v['f2']:.3f}",
                        str(v["tp"]),
                        str(v["fp"]),
                        str(v["fn"]),
                    )
        console.print(table)
    if "speed" in reports:
        sp, inst = reports["speed"], reports["install"]
        console.print(
            f"[bold]speed[/bold]: {sp['records']} records of {sp['mean_chars']} chars on average: "
            f"{sp['records_per_cpu_second']} records/s per core (CPU time), "
            f"{sp['records_per_wall_second']} records/s wall; model load "
            f"{sp['model_load_seconds']} s; load average {sp['load_average']}"
        )
        console.print(
            f"[bold]install[/bold]: model {inst['model_bytes'] / 1e6:.1f} MB, spaCy runtime "
            f"{inst['runtime_bytes'] / 1e6:.1f} MB, together {inst['total_bytes'] / 1e6:.1f} MB"
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
    from borderline.privacy.transfer.engine import assess_transfer
    from borderline.privacy.transfer.model import TransferRequest

    data = _read_transfer(file)
    if not record:
        result = assess_transfer(data)
        _print_assessment(result.model_dump(mode="json"), as_json, None)
        return
    from borderline.cli._services import open_services
    from borderline.privacy.store import LEDGER_KIND, DbVolumes, ledger_record, record_transfer
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
    from borderline.privacy.store import list_transfers, row_summary

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
    from borderline.privacy.store import export_register

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
    from borderline.privacy.store import get_transfer
    from borderline.privacy.transfer.report import render_html, render_pdf

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
