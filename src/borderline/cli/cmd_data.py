"""Reference data: which dated sets decisions rest on, and one update command per source.

``borderline data list`` shows every dated set with its publication and refresh dates;
``borderline data update SOURCE FILE`` reads a publisher's file in its official layout and
installs it as the user's copy (in ``BORDERLINE_REFDATA_DIR``, default ``DATA_DIR/refdata``),
which then takes precedence over the shipped one. Sanctions lists have their own commands
(``borderline lists …``).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import date
from pathlib import Path

import typer
import yaml

from borderline.cli._common import echo_json
from borderline.errors import InvalidInput
from borderline.files import existing_path

data_app = typer.Typer(help="Dated reference data: list it, update it.", no_args_is_help=True)

SOURCES = {
    "ecb-fx": "ECB euro reference rates: eurofxref-hist.zip / .csv, or the daily eurofxref.csv",
    "us-hts": "USITC HTS CSV export (HTS Number, …, General Rate of Duty, …)",
    "us-duties": "folder of the Section 301/232/IEEPA compilation CSVs",
    "wgi": "World Bank WGI long table (wgidataset .csv or .xlsx)",
    "inform": "INFORM Risk Index workbook (.xlsx)",
    "lpi": "World Bank LPI workbook, one sheet per edition year (.xlsx)",
    "cpi": "Transparency International CPI results workbook (.xlsx; installed unmodified)",
    "fatf": "FATF list status after a plenary (iso2, fatf_status, as_of_plenary CSV)",
    "disruptions": "corridor disruptions in force (borderline.disruptions/1 YAML, dated sources)",
}


def _iso(text: str | None, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not an ISO date", where=where) from None


@data_app.command("list")
def data_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every dated data set: publisher, licence, published, refreshed, freshness limit."""
    from borderline.assessment import load_catalog
    from borderline.refdata import datasets

    rows = [datasets.describe(d) for d in datasets.all_datasets()]
    catalog = load_catalog(_indicator_dirs())
    for cid, ind in catalog.indicators.items():
        m = ind.meta
        latest = max((s[-1][0] for s in ind.series.values() if s), default=None)
        shown = None
        if latest is not None:
            shown = str(latest.year) if (latest.month, latest.day) == (1, 1) else str(latest)
        rows.append(
            {
                "id": cid,
                "title": m.name,
                "publisher": m.publisher,
                "licence": m.licence,
                "published": shown,
                "refreshed": m.retrieved,
                "version": m.version,
            }
        )
    for eid, ev in catalog.events.items():
        last = ev.last_event(date.today())
        rows.append(
            {
                "id": eid,
                "title": ev.name,
                "publisher": ev.publisher,
                "licence": ev.licence,
                "published": last.isoformat() if last else None,
                "refreshed": "",
                "version": ev.version,
            }
        )
    if as_json:
        for r in rows:
            echo_json(r)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:<22} published {r['published'] or '-':<10}  refreshed "
            f"{r.get('refreshed') or '-':<10}  {r['title']}"
        )


def _indicator_dirs() -> list[Path]:
    from borderline.refdata.datasets import refdata_dir

    d = refdata_dir() / "indicators"
    return [d] if (d / "indicators.yaml").is_file() else []


def _install_indicator(entry_id: str, files: dict[str, Path], changes: dict[str, object]) -> None:
    """Copy files into the user's indicator folder and record the entry overriding the shipped."""
    from importlib import resources

    from borderline.refdata.datasets import refdata_dir

    target = refdata_dir() / "indicators"
    target.mkdir(parents=True, exist_ok=True)
    for name, src in files.items():
        shutil.copyfile(src, target / name)
    shipped = yaml.safe_load(
        (
            resources.files("borderline.assessment") / "data" / "indicators" / "indicators.yaml"
        ).read_text(encoding="utf-8")
    )
    own_path = target / "indicators.yaml"
    own = (
        yaml.safe_load(own_path.read_text(encoding="utf-8"))
        if own_path.is_file()
        else {"format": shipped["format"], "indicators": [], "events": []}
    )
    section = "events" if entry_id == "fatf" else "indicators"
    base = next(e for e in shipped[section] if e["id"] == entry_id)
    entry = {**base, **changes, "retrieved": date.today().isoformat()}
    own[section] = [e for e in own.get(section) or [] if e["id"] != entry_id] + [entry]
    own_path.write_text(yaml.safe_dump(own, sort_keys=False, allow_unicode=True), "utf-8")


@data_app.command("update")
def data_update(
    source: str = typer.Argument(..., help=", ".join(SOURCES)),
    file: Path = typer.Argument(..., help="The publisher's file (a folder for us-duties)."),
    published: str = typer.Option(None, help="Publication date (YYYY-MM-DD) if the file lacks it."),
    edition: str = typer.Option("", help="Edition name, e.g. '2026 Rev. 3' for us-hts."),
) -> None:
    """Read one source's official file and install it as your copy (dated, used from now on)."""
    from borderline.assessment import (
        cpi_workbook_rows,
        read_fatf,
        read_inform,
        read_lpi,
        read_wgi,
        write_indicator_rows,
    )
    from borderline.refdata import datasets
    from borderline.trade import (
        FX_DATASET,
        US_DUTIES_DATASET,
        US_HTS_DATASET,
        EcbRates,
        convert_compilation,
        convert_usitc_hts,
        ecb_rates,
        read_ecb_file,
        write_ecb_history,
    )

    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source!r}; known: {sorted(SOURCES)}", where="SOURCE")
    existing_path(file)
    day = _iso(published, "--published")
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        if source == "ecb-fx":
            new = read_ecb_file(file)
            # The daily file adds a day to the history already installed; the full history
            # replaces it.
            old = ecb_rates()
            merged = {**old.per_eur, **new.per_eur}
            rates = EcbRates(tuple(sorted(merged)), merged)
            write_ecb_history(rates, tmp / "out.gz")
            ds = datasets.install(FX_DATASET, tmp / "out.gz", rates.last_day)
            typer.echo(f"ECB rates {rates.days[0]} .. {rates.last_day} installed ({ds.file})")
        elif source == "us-hts":
            n = convert_usitc_hts(file, tmp / "out.gz", edition or file.stem, day or date.today())
            ds = datasets.install(US_HTS_DATASET, tmp / "out.gz", day or date.today())
            typer.echo(f"{n} US general rates installed ({ds.file}, published {ds.published})")
        elif source == "us-duties":
            if day is None:
                raise InvalidInput("give the compilation's date", where="--published")
            n = convert_compilation(file, tmp / "out.gz")
            ds = datasets.install(US_DUTIES_DATASET, tmp / "out.gz", day)
            typer.echo(f"{n} additional-duty rows installed (as of {ds.published})")
        elif source == "wgi":
            for name, rows in read_wgi(file).items():
                write_indicator_rows(tmp / f"{name}.csv", rows)
                years = sorted({r[1] for r in rows})
                _install_indicator(
                    name,
                    {f"{name}.csv": tmp / f"{name}.csv"},
                    {"vintage": f"{years[0]}-{years[-1]}", "version": edition or file.stem,
                     "file": f"{name}.csv"},
                )  # fmt: skip
            typer.echo("WGI installed: wgi_cc, wgi_ge, wgi_pv, wgi_rq, wgi_rl, wgi_va")
        elif source == "inform":
            rows, year = read_inform(file)
            write_indicator_rows(tmp / "inform_risk.csv", rows)
            _install_indicator(
                "inform_risk",
                {"inform_risk.csv": tmp / "inform_risk.csv"},
                {"vintage": str(year), "version": edition or f"INFORM Risk {year}"},
            )
            typer.echo(f"INFORM Risk {year} installed: {len(rows)} countries")
        elif source == "lpi":
            rows = read_lpi(file)
            write_indicator_rows(tmp / "wb_lpi.csv", rows)
            years = sorted({r[1] for r in rows})
            _install_indicator(
                "wb_lpi",
                {"wb_lpi.csv": tmp / "wb_lpi.csv"},
                {"vintage": f"{years[0]}-{years[-1]}", "version": edition or f"LPI {years[-1]}",
                 "key": "name"},
            )  # fmt: skip
            # The same workbook's component scores feed the logistics assessor's customs prior.
            n, latest = lpi_editions(file, tmp / "lpi.csv")
            ds = datasets.install("wb-lpi", tmp / "lpi.csv", day or date(latest, 1, 1))
            typer.echo(f"LPI {', '.join(years)} installed: {len(rows)} rows")
            typer.echo(
                f"LPI components for logistics: {n} rows, editions after 2016 "
                f"(published {ds.published}; --published gives the release date)"
            )
        elif source == "cpi":
            rows = cpi_workbook_rows(file.read_bytes(), str(file))  # checks it reads
            years = sorted({r[1] for r in rows})
            _install_indicator(
                "ti_cpi",
                {file.name: file},
                {"vintage": f"{years[0]}-{years[-1]}", "version": edition or f"CPI{years[-1]}",
                 "file": file.name, "format": "ti_cpi_workbook"},
            )  # fmt: skip
            typer.echo(f"CPI {years[-1]} workbook installed unmodified ({file.name})")
        elif source == "disruptions":
            from borderline.logistics import DATASET, read_disruptions

            current = read_disruptions(file)  # refuses a file it cannot read, naming the field
            shutil.copyfile(file, tmp / "disruptions.yaml")
            ds = datasets.install(DATASET, tmp / "disruptions.yaml", current.published)
            active = [d.id for d in current.disruptions if d.active(date.today())]
            typer.echo(
                f"{len(current.disruptions)} corridor disruption(s) installed, as of "
                f"{ds.published}; in force today: {', '.join(active) or 'none'}"
            )
        elif source == "fatf":
            from importlib import resources

            shipped = (
                resources.files("borderline.assessment") / "data" / "indicators" / "fatf_events.csv"
            ).read_text(encoding="utf-8")
            before = list(csv.DictReader(shipped.splitlines()))
            events, plenary = read_fatf(file, before)
            before = [r for r in before if r["date"] != plenary.isoformat()]
            cols = ["country", "list", "event", "date", "plenary", "verified", "source"]
            with (tmp / "fatf_events.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(cols)
                w.writerows([[r[k] for k in cols] for r in before] + events)
            _install_indicator(
                "fatf",
                {"fatf_events.csv": tmp / "fatf_events.csv"},
                {"version": plenary.isoformat(), "file": "fatf_events.csv"},
            )
            typer.echo(f"FATF lists after the plenary of {plenary} installed")


def lpi_editions(workbook: Path, out: Path) -> tuple[int, int]:
    """Write the LPI workbook's component scores, ISO2-keyed, as the logistics data set file;
    return (rows, latest edition). Country names resolve as the country index resolves them."""
    from borderline.assessment import CountryResolver, read_lpi_components
    from borderline.logistics import write_editions

    resolver = CountryResolver.default()
    rows, unknown = [], set()
    for name, year, scores in read_lpi_components(workbook):
        code = resolver.resolve(name, "name")
        if code is None:
            unknown.add(name)
            continue
        rows.append((code, year, scores))
    if unknown:
        raise InvalidInput(f"country names not recognised: {sorted(unknown)}", where=str(workbook))
    return write_editions(rows, out), max(r[1] for r in rows)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
