"""Converters from the publishers' own file layouts to the indicator format (country,date,value).

One function per source, used both to build the shipped files (``data/derive_indicators.py``)
and by ``borderline data update SOURCE FILE`` to refresh a user's copy:

- ``wgi``: World Bank Worldwide Governance Indicators, the long ``wgidataset`` table
  (``code, countryname, year, indicator, estimate, …``; CSV or the official .xlsx).
- ``inform``: INFORM Risk Index workbook (sheet ``INFORM Risk <year> (a-z)``: ``COUNTRY, ISO3,
  INFORM RISK``).
- ``lpi``: World Bank LPI workbook, one sheet per edition year (``Country``, ``LPI Score``).
- ``fatf``: FATF list status after a plenary (``iso2, fatf_status, as_of_plenary``) as events.
- ``cpi``: Transparency International's CPI results workbook is CC BY-ND: it is shipped and
  installed unmodified and read at run time (``cpi_workbook_rows``), never converted to a file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from borderline.errors import DataFileError

Row = tuple[str, str, str]  # country key, date, value

WGI_INDICATORS = {"cc": "wgi_cc", "ge": "wgi_ge", "pv": "wgi_pv", "rq": "wgi_rq",
                  "rl": "wgi_rl", "va": "wgi_va"}  # fmt: skip


def _xlsx_rows(data: bytes, sheet: str | None, where: str) -> Iterator[tuple[Any, ...]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(_transitional(data)), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataFileError(f"not a readable .xlsx workbook: {exc}", where=where) from None
    names = wb.sheetnames
    if sheet is not None:
        match = [n for n in names if re.fullmatch(sheet, n.strip())]
        if not match:
            raise DataFileError(f"no sheet matching {sheet!r}; sheets: {names}", where=where)
        names = match[:1]
    for name in names:
        yield from wb[name].iter_rows(values_only=True)


def _transitional(data: bytes) -> bytes:
    """A copy in memory with *Strict* OOXML namespaces rewritten, which openpyxl cannot read.

    Used to read TI's workbook as published; the file itself is never changed or re-shipped.
    """
    if b"purl.oclc.org/ooxml" not in data and not _has_strict(data):
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            if item.filename.startswith(("xl/charts/", "xl/drawings/")):
                continue  # charts are not data, and the largest parts of the file
            body = src.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                text = body.decode("utf-8")
                for strict, trans in _NAMESPACES:
                    text = text.replace(strict, trans)
                body = text.encode("utf-8")
            dst.writestr(item.filename, body)
    return out.getvalue()


def _has_strict(data: bytes) -> bool:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        return b"purl.oclc.org/ooxml" in z.read("[Content_Types].xml") + z.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError):
        return False


_NAMESPACES = (
    ("http://purl.oclc.org/ooxml/spreadsheetml/main",
     "http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    ("http://purl.oclc.org/ooxml/officeDocument/relationships",
     "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    ("http://purl.oclc.org/ooxml/drawingml/main",
     "http://schemas.openxmlformats.org/drawingml/2006/main"),
)  # fmt: skip


def read_wgi(path: Path, since: int = 2014) -> dict[str, list[Row]]:
    """WGI long table -> one row list per indicator (estimates; ``..``/empty dropped)."""
    if path.suffix.lower() == ".xlsx":
        rows_iter = _xlsx_rows(path.read_bytes(), None, str(path))
        header = [str(h or "").strip() for h in next(rows_iter)]
        records = [dict(zip(header, r, strict=False)) for r in rows_iter]
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            records = list(csv.DictReader(fh))
    need = {"code", "year", "indicator", "estimate"}
    if not records or not need <= set(records[0]):
        raise DataFileError(f"not a WGI table: needs columns {sorted(need)}", where=str(path))
    out: dict[str, list[Row]] = {v: [] for v in WGI_INDICATORS.values()}
    for r in records:
        ind = WGI_INDICATORS.get(str(r["indicator"]).strip())
        est = str(r["estimate"] or "").strip()
        if ind is None or est in ("", "..", "NA") or int(r["year"]) < since:
            continue
        code = str(r["code"]).strip()
        if code == "ANT":  # Netherlands Antilles, dissolved 2010
            continue
        out[ind].append((code, str(int(r["year"])), est))
    return out


def read_inform(path: Path) -> tuple[list[Row], int]:
    """INFORM Risk workbook -> (ISO3, release year, INFORM RISK) rows and the release year."""
    data = path.read_bytes()
    it = _xlsx_rows(data, r"INFORM Risk \d{4} \(a-z\)", str(path))
    header = [str(h or "").strip() for h in next(it)]
    try:
        iso_col, risk_col = header.index("ISO3"), header.index("INFORM RISK")
    except ValueError:
        raise DataFileError("needs ISO3 and INFORM RISK columns", where=str(path)) from None
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    year_m = next((m for n in wb.sheetnames if (m := re.match(r"INFORM Risk (\d{4})", n))), None)
    if year_m is None:
        raise DataFileError("no 'INFORM Risk <year>' sheet", where=str(path))
    year = int(year_m.group(1))
    rows = []
    for r in it:
        iso, risk = r[iso_col], r[risk_col]
        if iso and isinstance(risk, (int, float)):
            rows.append((str(iso).strip(), str(year), f"{float(risk):g}"))
    if not rows:
        raise DataFileError("no INFORM RISK values (is the workbook saved with values?)",
                            where=str(path))  # fmt: skip
    return rows, year


def read_lpi(path: Path) -> list[Row]:
    """LPI workbook with one sheet per edition (``Country``, ``LPI Score``) -> name-keyed rows."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    rows: list[Row] = []
    for name in wb.sheetnames:
        if not re.fullmatch(r"\d{4}", name.strip()):
            continue
        it = wb[name].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it)]
        if "Country" not in header or "LPI Score" not in header:
            raise DataFileError("needs Country and LPI Score columns", where=f"{path}:{name}")
        ci, si = header.index("Country"), header.index("LPI Score")
        for r in it:
            if r[ci] and isinstance(r[si], (int, float)):
                rows.append((str(r[ci]).strip(), name.strip(), f"{float(r[si]):.4g}"))
    if not rows:
        raise DataFileError("no sheet named by a year with LPI scores", where=str(path))
    return rows


# LPI workbook column -> component name (borderline.logistics.lpi.LPI_FIELDS).
LPI_COMPONENTS = {
    "LPI Score": "overall",
    "Customs Score": "customs",
    "Infrastructure Score": "infrastructure",
    "International Shipments Score": "shipments",
    "Logistics Competence and Quality Score": "competence",
    "Tracking and Tracing Score": "tracking",
    "Timeliness Score": "timeliness",
}


def read_lpi_components(path: Path) -> list[tuple[str, int, dict[str, float]]]:
    """The same workbook with every component score: (country name, edition, scores)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    out: list[tuple[str, int, dict[str, float]]] = []
    for name in wb.sheetnames:
        if not re.fullmatch(r"\d{4}", name.strip()):
            continue
        it = wb[name].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it)]
        missing = [c for c in ("Country", *LPI_COMPONENTS) if c not in header]
        if missing:
            raise DataFileError(f"missing column(s) {missing}", where=f"{path}:{name}")
        ci = header.index("Country")
        for r in it:
            values = [r[header.index(c)] for c in LPI_COMPONENTS]
            if r[ci] and all(isinstance(v, (int, float)) for v in values):
                scores = {k: float(v) for k, v in zip(LPI_COMPONENTS.values(), values, strict=True)}
                out.append((str(r[ci]).strip(), int(name.strip()), scores))
    if not out:
        raise DataFileError("no sheet named by a year with LPI component scores", where=str(path))
    return out


_FATF_LIST = {
    "call_for_action_countermeasures": "call_for_action",
    "call_for_action_enhanced_due_diligence": "call_for_action",
    "call_for_action": "call_for_action",
    "increased_monitoring": "increased_monitoring",
}


def read_fatf(
    status: Path, previous: list[dict[str, str]] | None = None
) -> tuple[list[list[str]], date]:
    """FATF status after a plenary -> event rows (country,list,event,date,plenary,verified,source).

    Every listed jurisdiction is ``listed`` on the plenary date; a jurisdiction listed in
    ``previous`` events but absent now is ``removed`` on that date.
    """
    with status.open(encoding="utf-8-sig", newline="") as fh:
        recs = list(csv.DictReader(fh))
    need = {"iso2", "fatf_status", "as_of_plenary"}
    if not recs or not need <= set(recs[0]):
        raise DataFileError(f"needs columns {sorted(need)}", where=str(status))
    day = date.fromisoformat(recs[0]["as_of_plenary"].strip())
    out: list[list[str]] = []
    listed = set()
    for n, r in enumerate(recs, 2):
        lst = _FATF_LIST.get(r["fatf_status"].strip())
        if lst is None:
            raise DataFileError(f"unknown status {r['fatf_status']!r}", where=f"{status}:{n}")
        listed.add(r["iso2"].strip())
        src = (r.get("sources") or "").split(" ; ")[0]
        out.append([r["iso2"].strip(), lst, "listed", day.isoformat(), day.strftime("%Y-%m"),
                    "yes", f"FATF statement after the {day:%B %Y} plenary ({src})"])  # fmt: skip
    last: dict[str, dict[str, str]] = {}
    for p in sorted(previous or [], key=lambda e: e["date"]):
        last[p["country"]] = p
    for p in last.values():
        if p["event"] in ("listed", "added") and p["country"] not in listed:
            out.append([p["country"], p["list"], "removed", day.isoformat(),
                        day.strftime("%Y-%m"), "yes",
                        f"not on the FATF lists after the {day:%B %Y} plenary"])  # fmt: skip
    return out, day


def cpi_workbook_rows(data: bytes, where: str) -> list[Row]:
    """Read TI's CPI results workbook as published: sheet ``CPI Historical`` (ISO3, Year,
    CPI score), plus the newest year from the ``CPI<year>`` sheet if the history lacks it."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(_transitional(data)), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataFileError(f"not a readable .xlsx workbook: {exc}", where=where) from None
    rows: dict[tuple[str, str], str] = {}

    def scan(sheet: str, cols: tuple[str, ...], year: str | None) -> None:
        header: list[str] | None = None
        for r in wb[sheet].iter_rows(max_col=12, values_only=True):
            cells = [str(c or "").strip() for c in r]
            if header is None:
                if all(c in cells for c in cols):
                    header = cells
                continue
            vals = [r[header.index(c)] for c in cols]
            iso, score = vals[0], vals[-1]
            y = year if year else vals[1]
            if iso and isinstance(score, (int, float)) and y:
                rows[(str(iso).strip(), str(int(y)))] = f"{float(score):g}"

    names = [n.strip() for n in wb.sheetnames]
    if "CPI Historical" not in names:
        raise DataFileError(f"no sheet 'CPI Historical'; sheets: {wb.sheetnames}", where=where)
    scan(wb.sheetnames[names.index("CPI Historical")], ("ISO3", "Year", "CPI score"), None)
    for n in wb.sheetnames:
        m = re.fullmatch(r"CPI(\d{4})", n.strip())
        if m:
            scan(n, ("ISO3", f"CPI {m.group(1)} score"), m.group(1))
    if not rows:
        raise DataFileError("no CPI scores found (sheet 'CPI Historical')", where=where)
    return [(k[0], k[1], v) for k, v in sorted(rows.items())]


def write_indicator_rows(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country", "date", "value"])
        w.writerows(sorted(set(rows)))
