"""``borderline trade …`` (HS classification, code checks, landed cost, restricted goods,
customs-declaration risk) and ``borderline bench trade``. No business logic here."""

from __future__ import annotations

import json
import platform
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
    backend: Annotated[
        str,
        typer.Option(
            help="lexical (built in); embedding: a local sentence-transformers model fused "
            "with the lexical classifier (--embedding-model, needs the embeddings extra); "
            "or llm: an OpenAI-compatible endpoint re-ranks the lexical shortlist "
            "(BORDERLINE_LLM_ENDPOINT, BORDERLINE_LLM_MODEL)."
        ),
    ] = "lexical",
    embedding_model: Annotated[
        str | None,
        typer.Option(help="Model folder; overrides BORDERLINE_EMBEDDING_MODEL."),
    ] = None,
    llm_endpoint: Annotated[
        str | None, typer.Option(help="Overrides BORDERLINE_LLM_ENDPOINT.")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Overrides BORDERLINE_LLM_MODEL.")] = None,
) -> None:
    """Classify a product to HS 2022 six-digit subheadings, or abstain ("needs a broker")."""
    from borderline.settings import env
    from borderline.trade.classify import HSClassifier, Listing

    if (title is None) == (batch is None):
        raise InvalidInput("give a TITLE or --batch FILE, not both", where="classify")
    clf: Any = HSClassifier(abstain_below=abstain_below)
    if backend == "llm":
        from borderline.trade.llm import LLMReranker

        endpoint = llm_endpoint or env("LLM_ENDPOINT")
        if not endpoint:
            raise InvalidInput(
                "the llm backend needs --llm-endpoint or BORDERLINE_LLM_ENDPOINT", where="--backend"
            )
        clf = LLMReranker(
            clf, endpoint, llm_model or env("LLM_MODEL"), api_key=env("LLM_API_KEY") or None
        )
    elif backend == "embedding":
        from borderline.trade.embed import backend_from_settings

        clf = backend_from_settings(embedding_model, base=clf, progress=_note)
    elif backend != "lexical":
        raise InvalidInput("backend must be lexical, embedding or llm", where="--backend")
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


def _note(message: str) -> None:
    typer.echo(message, err=True)


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


@trade_app.command("landed-cost")
def landed_cost_cmd(
    request: Annotated[
        str, typer.Option("--request", "-r", help="Request JSON file ('-' = stdin, the default).")
    ] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    tariff: Annotated[
        str | None,
        typer.Option(help="Tariff schedule CSV (format in docs/trade.md); default: sample."),
    ] = None,
) -> None:
    """Duty, import VAT/GST, fees and the total landed cost of one consignment."""
    from borderline.trade.landed import LandedCostRequest, TariffSchedule, landed_cost

    req = LandedCostRequest.from_dict(_read_json(request))
    schedule = TariffSchedule.load(tariff) if tariff else None
    result = landed_cost(req, schedule).to_dict()
    if as_json:
        echo_json(result)
        return
    cur = result["currency"]
    typer.echo(
        f"{result['destination']} {result['date']} {result['incoterm']} ({result['valuation']})"
    )
    typer.echo(f"  goods            {result['goods_value']:>12.2f} {cur}")
    typer.echo(f"  transport+ins.   {result['transport_and_insurance']:>12.2f} {cur}")
    typer.echo(f"  customs value    {result['customs_value']:>12.2f} {cur}")
    typer.echo(f"  duty             {result['duty']:>12.2f} {cur}")
    tax = result["tax"]
    typer.echo(f"  tax {tax['rate']:.1%} ({tax['collected']}) {tax['amount']:>8.2f} {cur}")
    typer.echo(f"  fees             {result['fees']:>12.2f} {cur}")
    typer.echo(f"  landed cost      {result['total_landed_cost']:>12.2f} {cur}")
    for w in result["warnings"]:
        typer.echo(f"  warning: {w}")


@trade_app.command("restricted")
def restricted_cmd(
    title: Annotated[str | None, typer.Argument(help="Product title.")] = None,
    hs: Annotated[str | None, typer.Option(help="Declared HS code.")] = None,
    country: Annotated[str | None, typer.Option(help="Destination country (ISO alpha-2).")] = None,
    address: Annotated[str, typer.Option(help="Destination address text.")] = "",
    postal_code: Annotated[str | None, typer.Option(help="Destination postal code.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Date to judge on (YYYY-MM-DD).")] = None,
    jurisdiction: Annotated[
        list[str] | None, typer.Option(help="Only these jurisdictions' rules (US, EU, GB, UN).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Dangerous goods, dual-use hints, embargoed destinations and sanctioned regions."""
    from datetime import date as _date

    from borderline.refdata import is_country
    from borderline.trade.hs import nomenclature
    from borderline.trade.restricted import check_destination, check_item

    if title is None and country is None:
        raise InvalidInput("give a TITLE and/or --country", where="restricted")
    found = []
    if title is not None:
        if not title.strip():
            raise InvalidInput("title must be non-empty", where="title")
        hs6 = nomenclature().require(hs, where="--hs") if hs else None
        found += check_item(title, hs6=hs6)
    if country is not None:
        cc = country.strip().upper()
        if not is_country(cc):
            raise InvalidInput(f"unknown country {country!r}", where="--country")
        try:
            day = _date.fromisoformat(on) if on else None
        except ValueError:
            raise InvalidInput(f"{on!r} is not YYYY-MM-DD", where="--date") from None
        juris = frozenset(j.upper() for j in jurisdiction) if jurisdiction else None
        found += check_destination(cc, address, postal_code, day, juris)
    if as_json:
        echo_json({"results": [r.to_dict() for r in found]})
        return
    if not found:
        typer.echo("nothing restricted found")
    for r in found:
        typer.echo(f"{r.level.upper():<14} {r.kind}:{r.id}  {r.title}")
        typer.echo(f"{'':<15}evidence {json.dumps(r.evidence, ensure_ascii=False)}")
        if r.transport:
            typer.echo(f"{'':<15}transport: {r.transport}")
        typer.echo(f"{'':<15}source: {r.source}")


@declarations_app.command("evaluate")
def declarations_evaluate(
    train: Annotated[str, typer.Option("--train", help="Training declarations CSV.")],
    test: Annotated[str, typer.Option("--test", help="Test declarations CSV (with Fraud labels).")],
    valid: Annotated[
        str | None, typer.Option("--valid", help="Validation CSV for early stopping and threshold.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    predictions: Annotated[
        str | None, typer.Option("--predictions", help="Write 'Declaration ID,score,flagged' CSV.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Train the declaration fraud model and report accuracy, fraud P/R/F1, P/R at 5/10/20%."""
    from borderline.trade.declarations import evaluate_files

    ev = evaluate_files(train, test, valid, predictions, seed=seed).to_dict()
    if as_json:
        echo_json(ev)
        return
    typer.echo(
        f"n={ev['n']} fraud rate {ev['fraud_rate']:.3f}  accuracy {ev['accuracy']:.4f}  "
        f"fraud P {ev['fraud_precision']:.4f} R {ev['fraud_recall']:.4f} F1 {ev['fraud_f1']:.4f}  "
        f"AUC {ev['roc_auc']:.4f}"
    )
    for k, v in ev["inspection"].items():
        typer.echo(
            f"  {k}: inspect {v['inspected']}, "
            f"precision {v['precision']:.4f}, recall {v['recall']:.4f}"
        )


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

    from borderline.trade.classify import Calibration, HSClassifier
    from borderline.trade.evaluation import evaluate, load_eval
    from borderline.trade.hs import data_path

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

    from borderline.trade.embed import backend_from_settings
    from borderline.trade.evaluation import evaluate

    t0 = time.perf_counter()
    emb = backend_from_settings(embedding_model, base=lexical, progress=_note)
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
    from borderline.trade.declarations import evaluate_files

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


def _read_json(path: str) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg} (line {exc.lineno})", where=path) from None
