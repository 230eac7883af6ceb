"""``borderline trade …`` (HS classification, code checks, landed cost, restricted goods,
customs-declaration risk) and ``borderline bench trade``. No business logic here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from borderline.cli._common import echo_json, iter_jsonl, note, read_text
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
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Not accepted (needs review) when the confidence is below this; default: "
            "the learned model's documented threshold (0.5 for the lexical backend).",
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option(help="Add why each candidate scored (JSON 'why').")
    ] = False,
    backend: Annotated[
        str,
        typer.Option(
            help="learned (default: the shipped model trained on tariff and trader text); "
            "lexical (the lexicon classifier); embedding: a local sentence-transformers "
            "model fused with the lexical classifier (--embedding-model, needs the "
            "embeddings extra); "
            "or llm: an OpenAI-compatible endpoint re-ranks the lexical shortlist "
            "(BORDERLINE_LLM_ENDPOINT, BORDERLINE_LLM_MODEL)."
        ),
    ] = "learned",
    embedding_model: Annotated[
        str | None,
        typer.Option(help="Model folder; overrides BORDERLINE_EMBEDDING_MODEL."),
    ] = None,
    llm_endpoint: Annotated[
        str | None, typer.Option(help="Overrides BORDERLINE_LLM_ENDPOINT.")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="Overrides BORDERLINE_LLM_MODEL.")] = None,
) -> None:
    """Classify a product to HS 2022 six-digit subheadings with chapter and heading
    confidence; below the threshold the answer is not accepted ("needs review")."""
    from borderline.settings import env
    from borderline.trade import HSClassifier, Listing

    if (title is None) == (batch is None):
        raise InvalidInput("give a TITLE or --batch FILE, not both", where="classify")
    clf: Any = HSClassifier(abstain_below=0.5 if abstain_below is None else abstain_below)
    if backend == "learned":
        from borderline.trade import LearnedHSClassifier

        clf = LearnedHSClassifier(accept_at=abstain_below)
    elif backend == "llm":
        from borderline.trade import LLMReranker

        endpoint = llm_endpoint or env("LLM_ENDPOINT")
        if not endpoint:
            raise InvalidInput(
                "the llm backend needs --llm-endpoint or BORDERLINE_LLM_ENDPOINT", where="--backend"
            )
        clf = LLMReranker(
            clf, endpoint, llm_model or env("LLM_MODEL"), api_key=env("LLM_API_KEY") or None
        )
    elif backend == "embedding":
        from borderline.cli._services import cli_settings
        from borderline.trade import embedding_backend

        settings = cli_settings()
        clf = embedding_backend(
            embedding_model or settings.embedding_model,
            settings.embedding_cache_dir,
            base=clf,
            progress=_note,
        )
    elif backend != "lexical":
        raise InvalidInput("backend must be learned, lexical, embedding or llm", where="--backend")
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
    note(message)


def _print_result(result: Any) -> None:
    head = f"{result.id}: " if result.id else ""
    verdict = "NEEDS REVIEW (not accepted)" if result.abstain else f"HS {result.candidates[0].hs6}"
    if result.confidence is not None:
        verdict += f"  (confidence {result.confidence:.2f})"
    typer.echo(f"{head}{verdict}")
    for level, items in (("chapter", result.chapters), ("heading", result.headings)):
        for x in items[:2]:
            typer.echo(f"  {level} {x.code}  {x.score:5.3f}  {x.description[:80]}")
    for c in result.candidates:
        typer.echo(f"  {c.hs6}  {c.score:5.3f}  {c.description[:100]}")


@trade_app.command("train")
def train_cmd(
    out: Annotated[
        Path | None,
        typer.Option(help="Model file to write; default: the package's own (data/hs-model.npz)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rebuild the learned HS classifier from the tariff and trader text shipped in the
    package (a few minutes); the development sets' text is never used."""
    from borderline.trade import train

    report = train(out, progress=_note)
    if as_json:
        echo_json(report)
    else:
        typer.echo(
            f"{report['model']}: {report['train_texts']} training texts, "
            f"{report['tune_texts']} tuning texts, accept at {report['accept_at']:.2f}; "
            f"{report['bytes'] / 1e6:.1f} MB written to {report['file']} "
            f"in {report['seconds']:.0f}s"
        )


@trade_app.command("hs-check")
def hs_check_cmd(
    code: Annotated[str, typer.Argument(help="Declared HS code (6-10 digits, dots allowed).")],
    title: Annotated[
        str | None, typer.Option(help="Product title: also check plausibility.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Validate a declared HS code against HS 2022 (and HS 2017 renumbering)."""
    from borderline.trade import Listing, learned_classifier, nomenclature

    check = nomenclature().check(code)
    out: dict[str, Any] = check.to_dict()
    if title is not None and check.hs6 is not None:
        ok, c = learned_classifier().plausible(
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
    from borderline.trade import LandedCostRequest, TariffSchedule, landed_cost

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
    from borderline.trade import check_destination, check_item, nomenclature

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
    from borderline.trade import evaluate_files

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


def _read_json(path: str) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON: {exc.msg} (line {exc.lineno})", where=path) from None
