"""Re-derive the shipped indicator files from the publishers' files (run by hand, never at run
time): ``python derive_indicators.py /path/to/shared/data``.

Every output is long form ``country,date,value`` with the publisher's own country key and the
publisher's own value, unchanged: only the layout changes (wide → long), rows outside the kept
years are dropped and "not classified" / "no estimate" / "0.0 = missing" markers are left out.
Which years are kept and why is written in ``indicators.PROVENANCE.md``.
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).parent / "indicators"


def _write(name: str, rows: list[tuple[str, str, str]]) -> None:
    with (OUT / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country", "date", "value"])
        w.writerows(sorted(rows))


def main(shared: Path) -> None:
    cr = shared / "country_risk"
    OUT.mkdir(exist_ok=True)

    # OECD: wide, one column per classification date; "-" = not classified. Keep 2015 onwards.
    rows = []
    with (cr / "raw/oecd_country_risk_classification_1999-2022.csv").open(encoding="latin-1") as f:
        for r in csv.DictReader(f):
            for col, val in r.items():
                if col in ("Country Name (1)", "ISO", "country name") or val is None:
                    continue
                day = datetime.strptime(col, "%d-%b-%y").date()
                v = val.strip()
                # Israel's "-3" is a source artefact the provenance note says to read as "-".
                if day.year >= 2015 and v.isdigit():
                    rows.append((r["ISO"], day.isoformat(), v))
    _write("oecd_crc", rows)

    # CPI 2012-2017 from the official TI workbook (already long in derived/).
    rows = []
    with (cr / "derived/ti_cpi_2012-2017_long.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["cpi_score_0_100"].strip():
                rows.append((r["iso3"], r["year"], r["cpi_score_0_100"]))
    _write("ti_cpi", rows)

    # WGI 2020 update: keep 2014-2019 estimates; drop the dissolved Netherlands Antilles.
    wgi: dict[str, list[tuple[str, str, str]]] = {}
    with (cr / "raw/wb_wgi_1996-2019_2020update.csv").open(encoding="latin-1") as f:
        for r in csv.DictReader(f):
            if int(r["Year"]) < 2014 or r["Code"] == "ANT" or r["Estimate"] in ("", "NA"):
                continue
            wgi.setdefault(r["Indicator"], []).append((r["Code"], r["Year"], r["Estimate"]))
    for ind, name in {
        "ControlofCorruption": "wgi_cc",
        "GovernmentEffectiveness": "wgi_ge",
        "PoliticalStability": "wgi_pv",
        "RegulatoryQuality": "wgi_rq",
        "RuleofLaw": "wgi_rl",
        "VoiceandAccountability": "wgi_va",
    }.items():
        _write(name, wgi[ind])

    # Fragile States Index: names only (joined through the alias table), total 0-120.
    rows = []
    for year in (2014, 2015, 2016, 2017):
        with (cr / f"raw/ffp_fsi_{year}.csv").open(encoding="latin-1") as f:
            for r in csv.DictReader(f):
                rows.append((r["Country"].strip(), str(year), r["Total"].strip()))
    _write("ffp_fsi", rows)

    # INFORM 2015: ISO3, "no estimate" = missing; the first data row is blank.
    rows = []
    with (cr / "raw/inform_risk_2015.csv").open(encoding="latin-1") as f:
        for r in csv.DictReader(f):
            if r["ISO3"] and r["INFORM RISK"] not in ("", "no estimate"):
                rows.append((r["ISO3"], "2015", r["INFORM RISK"]))
    _write("inform_risk", rows)

    # World Bank LPI overall score 2010-2016 (1-5).
    rows = []
    with (shared / "logistics/world-bank-lpi/lpi_2010_2016.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append((r["Code"], r["Year"], r["Overall LPI Score"]))
    _write("wb_lpi", rows)


def sanctions_exposure(shared: Path) -> None:
    """OFAC SDN entries with an address in each country, as log10(1 + n).

    Counting is the only derivation: an entry is counted once per country however many
    addresses it has there. The log keeps Russia's thousands from flattening everyone else;
    countries with no entry get 0, which is what the list says about them.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    import math

    from borderline.assessment.indicators import CountryResolver
    from borderline.refdata import all_countries

    resolver = CountryResolver.default()
    seen: dict[str, set[str]] = {}
    unresolved: set[str] = set()
    path = shared / "sanctions/us_ofac_sdn_2023-12-28/add.csv"
    with path.open(encoding="latin-1") as f:
        for row in csv.reader(f):
            if len(row) < 5:
                continue
            name = row[4].strip()
            if not name or name == "-0-":
                continue
            iso2 = resolver.resolve(name)
            if iso2 is None:
                unresolved.add(name)
                continue
            seen.setdefault(iso2, set()).add(row[0])
    if unresolved:
        print("unresolved SDN address countries (left out):", sorted(unresolved))
    rows = [
        (c.alpha2, "2023-12-28", f"{math.log10(1 + len(seen.get(c.alpha2, ()))):.4f}")
        for c in all_countries()
    ]
    _write("ofac_sdn_exposure", rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    sanctions_exposure(Path(sys.argv[1]))
