"""``borderline bench trade`` (the lexicon classifier and the embedding backend on the
team's listings; the customs-declaration model) and ``borderline bench trade-hs`` (the
learned HS classifier on development and test sets of public text). No business logic."""

from __future__ import annotations

import json
import platform
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from borderline.cli._common import echo_json, note
from borderline.cli._groups import bench_app
from borderline.errors import InvalidInput


def register(app: typer.Typer) -> None:
    """Adds only to the shared ``bench`` group (at import)."""


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
        Path | None,
        typer.Option(
            help="Also train/evaluate the customs-declaration model (about a minute) on the "
            "folder holding df_syn_train_eng.csv and df_syn_valid_eng.csv (docs/data.md)."
        ),
    ] = None,
    misses: Annotated[bool, typer.Option(help="List the misses.")] = False,
    backend: Annotated[
        str,
        typer.Option(
            help="lexical (built in) or embedding: also measure the embedding backend "
            "(cross-fitted) beside the lexical one."
        ),
    ] = "lexical",
    embedding_model: Annotated[
        str | None,
        typer.Option(help="Model folder; overrides BORDERLINE_EMBEDDING_MODEL."),
    ] = None,
) -> None:
    """HS classification accuracy (top-1/top-3 at HS2/4/6, accuracy vs abstention)."""
    import time

    from borderline.trade import Calibration, HSClassifier, data_path, evaluate, load_eval

    if backend not in ("lexical", "embedding"):
        raise InvalidInput("backend must be lexical or embedding", where="--backend")
    if backend == "embedding" and write_calibration:
        raise InvalidInput(
            "the embedding backend fits its own calibration per model (cached); "
            "--write-calibration refits the lexical one",
            where="--write-calibration",
        )
    rows = load_eval(eval_file)
    t0 = time.perf_counter()
    clf = HSClassifier()
    _ = clf.model
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = evaluate(clf, rows)
    per_item_ms = (time.perf_counter() - t1) / len(rows) * 1000
    if backend == "embedding":
        _bench_embedding(rows, clf, res, embedding_model, as_json, misses)
        return
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
    if declarations is not None:
        report["declarations"] = _bench_declarations(declarations)
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
                f"  conf>={a['threshold']:.1f}: abstain {a['abstain_rate']:.1%}, "
                f"top-1 HS6 of answered {a['top1_hs6_answered']:.3f}"
            )
        typer.echo(f"expected calibration error: {res['ece']:.3f}")
        if "declarations" in report:
            typer.echo("customs declarations: " + json.dumps(report["declarations"]))
    if misses:
        for m in res["misses"]:
            typer.echo(json.dumps(m, ensure_ascii=False), err=True)


@bench_app.command("trade-hs")
def bench_trade_hs(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[
        int, typer.Option(min=10, help="Items sampled per development set (fixed seed).")
    ] = 1000,
    backend: Annotated[str, typer.Option(help="learned (default) or lexical.")] = "learned",
) -> None:
    """The HS classifier on development sets of public text it never trained on (UK trader
    parcel descriptions and search synonyms of whole held-out codes and, as ``*-seen``, of
    codes other trader texts in the index cover; US HTS lines, CN in Italian, vague terms)
    and on the team's 344 listings (regression only)."""
    from borderline.bench.hs_eval import run
    from borderline.trade import HSClassifier, LearnedHSClassifier

    if backend not in ("learned", "lexical"):
        raise InvalidInput("backend must be learned or lexical", where="--backend")
    clf: Any = LearnedHSClassifier() if backend == "learned" else HSClassifier()
    report = run(clf, limit=limit)
    if as_json:
        echo_json(report)
        return
    typer.echo(f"HS classification, {report['model']} — {report['machine']}, {report['date']}")
    typer.echo(
        "uk-parcel, uk-synonym: whole codes held out (no trader text of the code in the index);"
        " *-seen: single texts of codes whose other trader texts are in the index"
    )
    cols = ("top1_hs6", "top3_hs6", "top1_hs4", "top1_hs2", "accepted", "precision_accepted")
    for half in ("sets", "test"):
        typer.echo(
            "development half (studied):" if half == "sets" else "test half (reported only):"
        )
        typer.echo(f"{'set':<12}{'n':>6}  " + "  ".join(f"{c:>18}" for c in cols))
        for name, b in report[half].items():
            if "refused" in b:
                typer.echo(f"{name:<12}{b['n']:>6}  refused {b['refused']:.3f}")
                continue
            vals = [b[c] for c in cols]
            typer.echo(
                f"{name:<12}{b['n']:>6}  "
                + "  ".join(f"{'-' if v is None else f'{v:.3f}':>18}" for v in vals)
            )
    lat = report["latency_ms"]
    typer.echo(
        f"latency per listing: p50 {lat['p50']:.2f} ms, p90 {lat['p90']:.2f} ms "
        f"(CPU time p50 {lat['cpu_p50']:.2f} ms)"
    )


_COLS = ("top1_hs2", "top3_hs2", "top1_hs4", "top3_hs4", "top1_hs6", "top3_hs6")


def _bench_embedding(
    rows: Any,
    lexical: Any,
    res_lexical: dict[str, Any],
    embedding_model: str | None,
    as_json: bool,
    misses: bool,
) -> None:
    """The embedding backend beside the lexical one on the same rows (cross-fitted)."""
    import time

    from borderline.cli._services import cli_settings
    from borderline.trade import embedding_backend, evaluate

    settings = cli_settings()
    t0 = time.perf_counter()
    emb = embedding_backend(
        embedding_model or settings.embedding_model,
        settings.embedding_cache_dir,
        base=lexical,
        progress=note,
    )
    _ = emb.fitted
    index_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for r in rows:
        emb.classify(r.listing)
    per_item_ms = (time.perf_counter() - t1) / len(rows) * 1000
    res = evaluate(emb.cross_fitted(rows), rows)
    res_alone = evaluate(emb.retrieval_alone(rows), rows)
    machine = f"{platform.machine()}, {_cpus()} CPU, Python {platform.python_version()}"
    subsets = ("all", "en", "zh", "novel")
    report = {
        "date": date.today().isoformat(),
        "machine": machine,
        "eval_rows": len(rows),
        "backend": "embedding",
        "model": emb.version,
        "embedding_model": str(emb.model_path),
        "index_seconds": round(index_s, 2),
        "index_from_cache": emb.cache_hit,
        "classify_ms_per_item": round(per_item_ms, 2),
        "full": {k: res[k] for k in (*subsets, "abstention", "ece")},
        "lexical": {k: res_lexical[k] for k in (*subsets, "abstention", "ece")},
        "embedding_alone": {k: res_alone[k] for k in subsets},
    }
    if as_json:
        echo_json(report)
    else:
        typer.echo(
            f"HS classification on {len(rows)} labelled listings — {machine}, {report['date']}"
        )
        how = "loaded from cache" if emb.cache_hit else "built and cached"
        typer.echo(
            f"backend {emb.version} with {emb.model_path}: index {how} in {index_s:.1f}s, "
            f"{per_item_ms:.1f} ms/listing (ranker and calibration cross-fitted in 2 folds)"
        )
        typer.echo(f"{'subset':<24}{'n':>5}  " + "  ".join(f"{h:>8}" for h in _COLS))
        for label, r in (
            ("embedding", res),
            ("lexical (default)", res_lexical),
            ("embedding alone", res_alone),
        ):
            for sub in subsets:
                b = r[sub]
                typer.echo(
                    f"{label + ' ' + sub:<24}{b['n']:>5}  "
                    + "  ".join(f"{b[c]:>8.3f}" for c in _COLS)
                )
        typer.echo(
            "accuracy vs abstention (cross-fitted isotonic confidence), embedding | lexical:"
        )
        for a, b in zip(res["abstention"], res_lexical["abstention"], strict=True):
            typer.echo(
                f"  conf>={a['threshold']:.1f}: abstain {a['abstain_rate']:.1%}, "
                f"top-1 HS6 of answered {a['top1_hs6_answered']:.3f} | "
                f"abstain {b['abstain_rate']:.1%}, {b['top1_hs6_answered']:.3f}"
            )
        typer.echo(f"expected calibration error: {res['ece']:.3f} | {res_lexical['ece']:.3f}")
    if misses:
        for m in res["misses"]:
            typer.echo(json.dumps(m, ensure_ascii=False), err=True)


def _cpus() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def _bench_declarations(folder: Path) -> dict[str, Any]:
    from borderline.trade import evaluate_files

    train = folder / "df_syn_train_eng.csv"
    valid = folder / "df_syn_valid_eng.csv"
    for f in (train, valid):
        if not f.is_file():
            raise InvalidInput(
                f"no {f.name} in {folder}: download the Customs Declaration Datasets "
                "(docs/data.md) and name their folder",
                where="--declarations",
            )
    return evaluate_files(train, valid, None).to_dict()
