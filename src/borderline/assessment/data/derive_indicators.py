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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
