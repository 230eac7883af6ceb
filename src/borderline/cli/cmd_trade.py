"""``borderline trade …`` (HS classification, code checks, landed cost, restricted goods,
customs-declaration risk) and ``borderline bench trade``. No business logic here."""

from __future__ import annotations

import json
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from borderline.cli._common import echo_json, iter_jsonl, read_text
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput

trade_app = typer.Typer(
    help="Trade compliance: HS classification, landed cost, restricted goods, customs risk.",
    no_args_is_help=True,
)
declarations_app = typer.Typer(help="Customs-declaration fraud model.", no_args_is_help=True)
trade_app.add_typer(declarations_app, name="declarations")


def register(app: typer.Typer) -> None:
    app.add_typer(trade_app, name="trade")


def _parse_attrs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, pair in enumerate(pairs):
        k, sep, v = pair.partition("=")
        if not sep or not k.strip():
            raise InvalidInput("attributes are key=value", where=f"--attr[{i}]")
        out[k.strip()] = v.strip()
    return out


@trade_app.command("classify")
def classify_cmd(
    title: Annotated[str | None, typer.Argument(help="Product title (any language).")] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            help="JSON-lines file ('-' for stdin): id, title, description?, "
            "attributes?, category?, price?, currency? per line.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (one line per listing).")
    ] = False,
    description: Annotated[str | None, typer.Option(help="Longer product description.")] = None,
    category: Annotated[str | None, typer.Option(help="Category path, e.g. 'Shoes > Men'.")] = None,
    attr: Annotated[
        list[str] | None, typer.Option("--attr", help="Attribute key=value (repeat).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=10, help="Candidates to return.")] = 3,
    abstain_below: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Abstain when the top confidence is below this.")
    ] = 0.5,
    explain: Annotated[
        bool, typer.Option(help="Add why each candidate scored (JSON 'why').")
    ] = False,
) -> None:
    """Classify a product to HS 2022 six-digit subheadings, or abstain ("needs a broker")."""
    from borderline.trade.classify import HSClassifier, Listing

    if (title is None) == (batch is None):
        raise InvalidInput("give a TITLE or --batch FILE, not both", where="classify")
    clf = HSClassifier(abstain_below=abstain_below)
    if batch is not None:
        for lineno, obj in iter_jsonl(batch):
            where = f"{batch}:{lineno}"
            listing = Listing.from_dict(obj, where=where)
            if listing.id is None:
                raise InvalidInput("each line needs an id", where=f"{where}.id")
            result = clf.classify(listing, top=top)
            if as_json:
                echo_json(result.to_dict(explain=explain))
            else:
                _print_result(result)
        return
    assert title is not None
    listing = Listing.from_dict(
        {
            "title": title,
            "description": description,
            "category": category,
            "attributes": _parse_attrs(attr or []),
        },
        where="title",
    )
    result = clf.classify(listing, top=top)
    if as_json:
        echo_json(result.to_dict(explain=explain))
    else:
        _print_result(result)


def _print_result(result: Any) -> None:
    head = f"{result.id}: " if result.id else ""
    verdict = "ABSTAIN (needs a broker)" if result.abstain else f"HS {result.candidates[0].hs6}"
    typer.echo(f"{head}{verdict}")
    for c in result.candidates:
        typer.echo(f"  {c.hs6}  {c.score:5.3f}  {c.description[:100]}")


@trade_app.command("hs-check")
def hs_check_cmd(
    code: Annotated[str, typer.Argument(help="Declared HS code (6-10 digits, dots allowed).")],
    title: Annotated[
        str | None, typer.Option(help="Product title: also check plausibility.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Validate a declared HS code against HS 2022 (and HS 2017 renumbering)."""
    from borderline.trade.classify import HSClassifier, Listing
    from borderline.trade.hs import nomenclature

    check = nomenclature().check(code)
    out: dict[str, Any] = check.to_dict()
    if title is not None and check.hs6 is not None:
        ok, c = HSClassifier().plausible(
            Listing.from_dict({"title": title}, where="--title"), check.hs6
        )
        out["plausible"] = ok
        out["classifier"] = c.to_dict()
    if as_json:
        echo_json(out)
    else:
        typer.echo(f"{check.status}: {check.message}")
        if "plausible" in out:
            typer.echo(
                "plausible for the title" if out["plausible"] else "IMPLAUSIBLE for the title"
            )
    if check.hs6 is None:
        raise typer.Exit(1)


@bench_app.command("trade")
def bench_trade(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    write_calibration: Annotated[
        bool, typer.Option(help="Refit the shipped isotonic calibration on the evaluation set.")
    ] = False,
    eval_file: Annotated[
        Path | None,
        typer.Option(help="Another evaluation TSV (hs6, lang, title, category, attributes)."),
    ] = None,
    declarations: Annotated[
        bool,
        typer.Option(help="Also train/evaluate the customs-declaration model (about a minute)."),
    ] = False,
    misses: Annotated[bool, typer.Option(help="List the misses.")] = False,
) -> None:
    """HS classification accuracy (top-1/top-3 at HS2/4/6, accuracy vs abstention)."""
    import time

    from borderline.trade.classify import Calibration, HSClassifier
    from borderline.trade.evaluation import evaluate, load_eval
    from borderline.trade.hs import data_path

    rows = load_eval(eval_file)
    t0 = time.perf_counter()
    clf = HSClassifier()
    _ = clf.model
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = evaluate(clf, rows)
    per_item_ms = (time.perf_counter() - t1) / len(rows) * 1000
    ablated = HSClassifier()
    ablated._model = clf.model
    ablated.lex = clf.lex.__class__(clf.lex.version, [], {}, {})
    ablated.lex.concepts = clf.lex.concepts  # keep the model's training terms, drop the votes
    ablated.lex.match = lambda text: []  # type: ignore[method-assign]
    ablated.lex.translate = clf.lex.translate  # type: ignore[method-assign]
    res_ablated = evaluate(ablated, rows)
    if write_calibration:
        cal = Calibration.fit(
            res["_raw"], res["_correct"], fitted_on=f"hs-eval.tsv ({len(rows)} rows)"
        )
        cal.dump(data_path("hs-calibration.json"))
    machine = f"{platform.machine()}, {_cpus()} CPU, Python {platform.python_version()}"
    report = {
        "date": date.today().isoformat(),
        "machine": machine,
        "eval_rows": len(rows),
        "model": clf.version,
        "fit_seconds": round(fit_s, 2),
        "classify_ms_per_item": round(per_item_ms, 2),
        "full": {k: res[k] for k in ("all", "en", "zh", "novel", "abstention", "ece")},
        "lexicon_votes_off": {k: res_ablated[k] for k in ("all", "en", "zh", "novel")},
    }
    if declarations:
        report["declarations"] = _bench_declarations()
    if as_json:
        echo_json(report)
    else:
        typer.echo(
            f"HS classification on {len(rows)} labelled listings — {machine}, {report['date']}"
        )
        typer.echo(f"model {clf.version}: fit {fit_s:.1f}s, {per_item_ms:.1f} ms/listing")
        typer.echo(f"{'subset':<24}{'n':>5}  " + "  ".join(f"{h:>8}" for h in _COLS))
        for label, r in (("full", res), ("lexicon votes off", res_ablated)):
            for sub in ("all", "en", "zh", "novel"):
                b = r[sub]
                typer.echo(
                    f"{label + ' ' + sub:<24}{b['n']:>5}  "
                    + "  ".join(f"{b[c]:>8.3f}" for c in _COLS)
                )
        typer.echo("accuracy vs abstention (cross-fitted isotonic confidence):")
        for a in res["abstention"]:
            typer.echo(
                f"  conf>={a['threshold']:.1f}: abstain {a['abstain_rate']:.1%}, top-1 HS6 of answered {a['top1_hs6_answered']:.3f}"
            )
        typer.echo(f"expected calibration error: {res['ece']:.3f}")
        if "declarations" in report:
            typer.echo("customs declarations: " + json.dumps(report["declarations"]))
    if misses:
        for m in res["misses"]:
            typer.echo(json.dumps(m, ensure_ascii=False), err=True)


_COLS = ("top1_hs2", "top3_hs2", "top1_hs4", "top3_hs4", "top1_hs6", "top3_hs6")


def _cpus() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def _bench_declarations() -> dict[str, Any]:
    from borderline.trade.declarations import SHARED_DIR, evaluate_files

    train = SHARED_DIR / "df_syn_train_eng.csv"
    valid = SHARED_DIR / "df_syn_valid_eng.csv"
    if not train.is_file():
        return {"skipped": f"{train} not found"}
    return evaluate_files(train, valid, None).to_dict()


def _read_json(path: str) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg} (line {exc.lineno})", where=path) from None


_ = sys  # stdin is read through read_text("-")
