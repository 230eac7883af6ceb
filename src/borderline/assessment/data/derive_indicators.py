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
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
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

    # CPI: the TI workbook is CC BY-ND and is shipped unmodified (indicators/CPI2025_Results
    # .xlsx); it is read at run time, so nothing is derived from it here.
    new = shared / "country_risk" / "refresh-2026"
    from borderline.assessment import sources

    # WGI 2024 update (estimates for 2014-2023).
    for name, rows in sources.read_wgi(new / "wgidataset_2024update.csv").items():
        _write(name, rows)

    # INFORM Risk Index 2025 (release of 31 March 2025).
    rows, _year = sources.read_inform(new / "inform_risk_2025_v070.xlsx")
    _write("inform_risk", rows)

    # World Bank LPI overall score 2012-2023, by country name (joined through the alias table).
    _write("wb_lpi", sources.read_lpi(new / "International_LPI_from_2012_to_2023.xlsx"))

    # FATF lists after the June 2026 plenary, after the events already recorded.
    with (OUT / "fatf_events.csv").open(encoding="utf-8") as f:
        before = list(csv.DictReader(f))
    events, day = sources.read_fatf(new / "fatf_status_2026-06-19.derived.csv", before)
    before = [r for r in before if r["date"] != day.isoformat()]  # re-runs replace, not add
    with (OUT / "fatf_events.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country", "list", "event", "date", "plenary", "verified", "source"])
        w.writerows([[r[k] for k in ("country", "list", "event", "date", "plenary", "verified",
                                     "source")] for r in before] + events)  # fmt: skip


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
