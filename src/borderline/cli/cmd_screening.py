"""``borderline screen …``, ``borderline lists import|status|diff|whitelist|update`` and
``borderline bench screening``. Argument parsing and printing only; the work is in
``borderline.screening``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from borderline.cli._common import echo_json
from borderline.cli._groups import bench_app, lists_app
from borderline.cli._services import open_services, use_screening_data
from borderline.errors import InvalidInput

SCREEN_HELP = """Screen a name against the sanctions and denied-party lists.

\b
  borderline screen "NAME" [--type person|organization|vessel|any] [--country CC]
                           [--dob YYYY[-MM[-DD]]] [--json]
  borderline screen --batch FILE.csv [--top N] [--threshold T] --json
      FILE.csv columns: id,name,type,country,dob (type, country, dob may be empty);
      one JSON line per query: {"id", "matches": [{"list", "source_id", "name",
      "matched_name", "score", "explanation"}]}, plus "warnings" when a field was
      left out (an impossible date, an unknown type or country) and "error" when the
      row could not be screened; a bad row never stops the others. Exit status: the
      number of rows that could not be screened (0: all answered; at most 125).
      Dates: YYYY, YYYY-MM, YYYY-M-D, YYYYMMDD, DD/MM/YYYY
  borderline screen pairs FILE.csv --json
      FILE.csv columns: id,left,right,type; one JSON line per pair: {"id", "score", "match"}
"""


def _screen_one(
    name: str,
    type_: str,
    country: str | None,
    dob: str | None,
    top: int,
    threshold: float,
    lists: str | None,
    as_json: bool,
) -> None:
    from borderline.screening import Query, parse_dob, parse_kind, screen

    use_screening_data()

    q = Query(
        name=name,
        kind=parse_kind(type_, where="--type"),
        country=country,
        dob=parse_dob(dob, where="--dob"),
        threshold=threshold,
        limit=top,
        lists=tuple(x.strip() for x in lists.split(",")) if lists else None,
    )
    matches = screen(q)
    if as_json:
        echo_json({"query": name, "matches": [m.to_dict(detail=True) for m in matches]})
        return
    if not matches:
        typer.echo(f"no match at or above {threshold:.2f} for {name!r}")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"screening {name!r} (threshold {threshold:.2f})")
    for col in ("score", "list", "id", "listed name", "matched name", "why"):
        table.add_column(col, overflow="fold")
    for m in matches:
        table.add_row(f"{m.score:.3f}", m.list, m.source_id, m.name, m.matched_name, m.explanation)
    Console().print(table)


def _screen_batch(path: Path, top: int, threshold: float, as_json: bool) -> int:
    """Screen every row; return how many rows could not be screened."""
    from borderline.screening import read_queries, screen_rows

    use_screening_data()

    failed = total = 0
    for row, out in screen_rows(read_queries(path, top=top, threshold=threshold)):
        total += 1
        failed += "error" in out
        for w in row.warnings:
            typer.secho(f"warning: {w}", err=True, fg="yellow")
        if as_json:
            echo_json(out)
            continue
        matches = out["matches"]
        best = matches[0] if matches else None
        typer.echo(
            f"{row.id}\t{len(matches)}\t"
            + (
                f"{best['score']:.3f}\t{best['list']}:{best['source_id']}\t{best['matched_name']}"
                if best
                else ("error: " + out["error"] if "error" in out else "-")
            )
        )
    if failed:
        typer.secho(f"{failed} of {total} rows could not be screened", err=True, fg="red")
    return failed


def _screen_pairs(path: Path, as_json: bool) -> None:
    from borderline.screening import compare, read_pairs

    for pair in read_pairs(path):
        r = compare(pair.left, pair.right, pair.kind)
        if as_json:
            echo_json({"id": pair.id, "score": round(r.score, 4), "match": r.match})
        else:
            typer.echo(f"{pair.id}\t{r.score:.3f}\t{'match' if r.match else '-'}")


def register(app: typer.Typer) -> None:
    from borderline.screening import THRESHOLD

    @app.command("screen", help=SCREEN_HELP, no_args_is_help=True)
    def screen_cmd(
        args: list[str] | None = typer.Argument(
            None, metavar="NAME | pairs FILE.csv", help='A name, or "pairs FILE.csv".'
        ),
        type_: str = typer.Option("any", "--type", help="person|organization|vessel|any"),
        country: str | None = typer.Option(None, "--country", help="ISO 3166 alpha-2 code"),
        dob: str | None = typer.Option(
            None, "--dob", help="YYYY[-MM[-DD]], YYYYMMDD or DD/MM/YYYY"
        ),
        batch: Path | None = typer.Option(None, "--batch", help="CSV of queries"),
        top: int = typer.Option(10, "--top", min=1, max=1000, help="Matches per query"),
        threshold: float = typer.Option(THRESHOLD, "--threshold", min=0.0, max=1.0),
        lists: str | None = typer.Option(None, "--lists", help="Comma-separated list names"),
        as_json: bool = typer.Option(False, "--json", help="JSON output"),
    ) -> None:
        args = args or []
        if batch is not None:
            if args:
                raise InvalidInput("give either NAME or --batch FILE, not both", where="screen")
            failed = _screen_batch(batch, top, threshold, as_json)
            if failed:
                # The exit status is the number of rows that failed (capped where shells cap).
                raise typer.Exit(min(failed, 125))
        elif len(args) == 2 and args[0] == "pairs":
            _screen_pairs(Path(args[1]), as_json)
        elif len(args) == 1:
            _screen_one(args[0], type_, country, dob, top, threshold, lists, as_json)
        elif not args:
            raise InvalidInput("give a NAME, --batch FILE.csv or pairs FILE.csv", where="screen")
        else:
            raise InvalidInput(
                f"expected one NAME (quote names with spaces), got {len(args)} arguments",
                where="screen",
            )


@lists_app.command("import")
def lists_import(
    path: Path = typer.Argument(..., help="List file, or an OFAC CSV folder"),
    format: str | None = typer.Option(
        None,
        "--format",
        help="ofac_csv|ofac_xml|un_xml|fcdo_csv|fcdo_xml|uk_ofsi|uk_sl|csl|dpl|eu_fsf|ftm "
        "(default: detect)",
    ),
    name: str | None = typer.Option(None, "--name", help="Short list name (default per format)"),
    published: str | None = typer.Option(None, "--published", help="List date YYYY-MM-DD"),
    rescreen: bool = typer.Option(
        True, "--rescreen/--no-rescreen", help="Re-screen stored parties against what changed"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a sanctions list file; all or nothing, the previous version stays active on error."""
    from borderline.screening import import_list

    day = None
    if published:
        try:
            day = date.fromisoformat(published)
        except ValueError:
            raise InvalidInput("not a date YYYY-MM-DD", where="--published") from None
    services = open_services()
    try:
        report = import_list(
            path,
            format=format,
            list_name=name,
            published=day,
            rescreen=rescreen,
            services=services,
        )
    finally:
        services.close()
    if as_json:
        echo_json(report)
        return
    typer.echo(
        f"imported {report['list']} version {report['version']}: "
        f"{report['entities']} entries (published {report['published'] or 'undated'})"
    )
    d = report.get("diff")
    if d:
        typer.echo(
            f"  vs previous: +{d['added']} added, -{d['removed']} removed, ~{d['changed']} changed"
        )
    if "rescreen" in report:
        r = report["rescreen"]
        typer.echo(
            f"  re-screened {r['parties']} stored parties of {r['orders']} orders: "
            f"{r['new_hits']} new hit(s)"
        )


@lists_app.command("status")
def lists_status(
    max_age_days: int = typer.Option(
        30, "--max-age-days", min=0, help="Warn when a list is older than this"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What is loaded: each list's version, publication date and age (warns when stale)."""
    from borderline.screening import list_status

    use_screening_data()

    rows = list_status(max_age_days=max_age_days)
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            typer.echo(
                f"{r['list']:<14} {r['entities']:>6} entries  published "
                f"{r['published'] or 'undated':<10}  age {r['age_days']!s:>5} d  "
                f"{r['origin']:<8} {r['version']}"
            )
    for r in rows:
        if r["stale"]:
            typer.secho(
                f"WARNING: {r['list']} is {r['age_days']} days old (published "
                f"{r['published']}), older than {max_age_days} days: import a current copy",
                err=True,
                fg="red",
                bold=True,
            )


@lists_app.command("diff")
def lists_diff(
    old: Path = typer.Argument(..., help="Old list file or folder"),
    new: Path = typer.Argument(..., help="New list file or folder"),
    format: str | None = typer.Option(None, "--format"),
    limit: int = typer.Option(20, "--limit", min=0, help="Entries shown per category"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Added, removed and changed entries between two versions of a list."""
    from borderline.screening import diff_entities, load

    a = load(old, format)
    b = load(new, format)
    if a.format != b.format:
        raise InvalidInput(
            f"old is {a.format}, new is {b.format}: compare like with like", where=str(new)
        )
    d = diff_entities(a.entities, b.entities).to_dict(limit=limit)
    if as_json:
        echo_json({"old": a.version, "new": b.version, **d})
        return
    typer.echo(
        f"{a.name}: {a.version} -> {b.version}: +{d['added']} added, "
        f"-{d['removed']} removed, ~{d['changed']} changed"
    )
    for e in d["entries"]["added"]:
        typer.echo(f"  + {e['source_id']}  {e['name']}")
    for e in d["entries"]["removed"]:
        typer.echo(f"  - {e['source_id']}  {e['name']}")
    for e in d["entries"]["changed"]:
        typer.echo(f"  ~ {e['source_id']}  {e['name']}  ({', '.join(e['fields'])})")


@lists_app.command("whitelist")
def lists_whitelist(as_json: bool = typer.Option(False, "--json")) -> None:
    """Analysts' screening whitelist decisions, each with its status: active, inactive
    (keyed on a name alone, no longer honoured), expired or revoked."""
    from borderline.screening import list_whitelist

    services = open_services()
    try:
        rows = list_whitelist(services)
    finally:
        services.close()
    for r in rows:
        if as_json:
            echo_json(r)
        else:
            typer.echo(
                f"{r['id']:>5}  {r['status']:<8}  {r['list']}:{r['source_id']:<14}  "
                f"{r['party_key']}  ({r['reason']})"
            )
    inactive = [r for r in rows if r["status"] == "inactive"]
    if inactive:
        typer.secho(
            f"WARNING: {len(inactive)} decision(s) keyed on a name alone are no longer honoured "
            f"({', '.join(str(r['id']) for r in inactive)}): decide again with the customer id "
            "or the date of birth",
            err=True,
            fg="red",
        )


@lists_app.command("update")
def lists_update(
    timeout: float = typer.Option(5.0, "--timeout", help="Seconds to wait for each download"),
) -> None:
    """Download the official list files and import them (needs internet access)."""
    from borderline.screening import update_lists

    services = open_services()
    try:
        for line in update_lists(services, timeout=timeout):
            typer.echo(line)
    finally:
        services.close()


@bench_app.command("screening")
def bench_screening(
    pairs: int = typer.Option(3000, "--pairs", help="Labelled pairs in the evaluation set"),
    searches: int = typer.Option(2000, "--searches", help="Timed searches"),
    seed: int = typer.Option(
        11, "--seed", help="Evaluation set seed (the matcher was tuned on seed 7)"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the Markdown report here"),
    save_pairs: Path | None = typer.Option(None, "--save-pairs", help="Write the pairs CSV"),
    competitor: bool = typer.Option(
        True,
        "--competitor/--no-competitor",
        help="Also run nomenklatura logic-v2 on the same pairs",
    ),
) -> None:
    """Quality (P/R/F1 on generated labelled pairs) and speed, beside nomenklatura logic-v2."""
    from borderline.bench.screening import run_bench

    report = run_bench(
        n_pairs=pairs, n_searches=searches, seed=seed, competitor=competitor, save_pairs=save_pairs
    )
    typer.echo(report)
    if out is not None:
        out.write_text(report, encoding="utf-8")
        typer.echo(f"written to {out}", err=True)


@bench_app.command("screening-lists")
def bench_screening_lists(
    competitor: bool = typer.Option(
        False, "--competitor/--no-competitor", help="Also score the pairs with logic-v2"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the Markdown report here"),
) -> None:
    """Quality on the lists' own data: alias-group pairs (P/R/F1), UK spellings of UN entries
    (search recall@5) and common names with random dates of birth (decoy alert rate)."""
    from borderline.bench.screening_quality import run

    use_screening_data()

    report = run(competitor=competitor)
    typer.echo(report)
    if out is not None:
        out.write_text(report, encoding="utf-8")


@bench_app.command("screening-holds")
def bench_screening_holds(
    regenerate: bool = typer.Option(
        False, "--regenerate", help="Draw the names again from names-dataset (bench group)"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the Markdown report here"),
) -> None:
    """Hold rate of the default policy on 5,665 common real-world names of 105 countries."""
    from borderline.bench.screening_holds import run

    use_screening_data()

    result = run(regenerate=regenerate)
    typer.echo(result["report"])
    if out is not None:
        out.write_text(result["report"], encoding="utf-8")
