"""US additional duties: Section 301 (China), Section 232 (steel, aluminium, copper, autos),
IEEPA (the "fentanyl" and "reciprocal" duties), by HTS line, origin and effective date.

Each row carries its chapter-99 heading and legal source, so a quote says which duty applies
and why. The shipped table (``data/us-additional-duties.csv.gz``) is converted by
``borderline trade update-us-duties FOLDER`` from a public compilation of the Federal Register
notices, executive orders and the USITC chapter 99 (its layout: ``section_301_rates_temporal
.csv``, ``ieepa_rates_temporal.csv``, ``section_232_rates.csv``, ``annex_ii_exemptions.csv``,
``eo14326_annex_ch99_codes.csv``). Its "as of" date travels with every quote; an order dated
after it is told the duties may have changed since (the Supreme Court's IEEPA decision of
February 2026 is not in the compilation).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from borderline.errors import DataFileError
from borderline.refdata import datasets

US_DUTIES_DATASET = "us-additional-duties"
COLUMNS = (
    "program",
    "hts",
    "origin",
    "chapter_99",
    "rate_pct",
    "basis",
    "effective_from",
    "effective_to",
    "source",
)
# EO 14326 of 31 Jul 2025 set country rates from 12:01 a.m. EDT on 7 Aug 2025 (its sec. 2).
EO14326_FROM = date(2025, 8, 7)


@dataclass(frozen=True, slots=True)
class AdditionalDuty:
    program: str  # section_301 | section_232 | ieepa_fentanyl | ieepa_reciprocal | *_exempt
    hts: str  # HTS prefix (8 digits for line-level duties; "" = every line)
    origin: str  # ISO country ("" = any origin)
    chapter_99: str
    rate_pct: Decimal
    # value: rate x customs value; content: on the metal content only (232 derivatives, left
    # to the declarant); topup: an all-in ceiling, MFN + this duty = rate (EU goods, EO 14326)
    basis: str
    effective_from: date
    effective_to: date | None
    source: str

    def active(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def covers(self, hts: str) -> bool:
        return hts.startswith(self.hts)

    def to_dict(self) -> dict[str, str | float]:
        return {
            "program": self.program,
            "chapter_99": self.chapter_99,
            "hts": self.hts,
            "rate_pct": float(self.rate_pct),
            "effective_from": self.effective_from.isoformat(),
            "source": self.source,
        }


@dataclass(frozen=True)
class Applied:
    duties: list[AdditionalDuty]  # to charge on the line's customs value
    notes: list[str]  # ambiguities and content-based duties left to the declarant


class UsAdditionalDuties:
    def __init__(self, rows: list[AdditionalDuty], name: str) -> None:
        self.rows = rows
        self.name = name
        self._by_hs6: dict[str, list[AdditionalDuty]] = {}
        self._short: list[AdditionalDuty] = []  # prefixes of fewer than 6 digits
        self._country: list[AdditionalDuty] = []
        for r in rows:
            if len(r.hts) >= 6:
                self._by_hs6.setdefault(r.hts[:6], []).append(r)
            elif r.hts:
                self._short.append(r)
            else:
                self._country.append(r)

    @classmethod
    def load(cls, path: Path) -> UsAdditionalDuties:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        rows = []
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise DataFileError(f"missing column(s) {sorted(missing)}", where=f"{path}:1")
        for n, r in enumerate(reader, 2):
            try:
                rows.append(
                    AdditionalDuty(
                        r["program"],
                        r["hts"],
                        r["origin"],
                        r["chapter_99"],
                        Decimal(r["rate_pct"]),
                        r["basis"],
                        date.fromisoformat(r["effective_from"]),
                        date.fromisoformat(r["effective_to"]) if r["effective_to"] else None,
                        r["source"],
                    )
                )
            except (ValueError, ArithmeticError):
                raise DataFileError("bad rate or date", where=f"{path}:{n}") from None
        return cls(rows, path.name)

    def applicable(
        self, hts: str, origin: str | None, on: date, national_lines: int = 0
    ) -> Applied:
        """Duties on a line of code ``hts`` (6-10 digits) from ``origin`` on ``on``.

        For a code shorter than the 8-digit national lines, ``national_lines`` is how many the
        tariff has under it: a duty covering fewer of them (or at different rates) is charged
        at its highest with a note, never silently.
        """
        notes: list[str] = []
        if origin is None:
            return Applied([], ["origin unknown: US additional duties by origin not assessed"])
        pool = self._by_hs6.get(hts[:6], []) + self._short
        if len(hts) >= 8:
            cands = [r for r in pool if r.covers(hts)]
        else:
            cands = [r for r in pool if r.covers(hts) or r.hts.startswith(hts)]
        cands = [r for r in cands if r.active(on) and r.origin in ("", origin)]
        line: dict[str, AdditionalDuty] = {}
        for r in cands:
            best = line.get(r.program)
            if best is None or r.rate_pct > best.rate_pct:
                line[r.program] = r
        if len(hts) < 8:
            for program, r in line.items():
                lines = {x.hts[:8] for x in cands if x.program == program}
                rates = {x.rate_pct for x in cands if x.program == program}
                if len(rates) > 1 or len(lines) < national_lines:
                    notes.append(
                        f"{program} covers {len(lines)} of the national lines under {hts} "
                        f"at up to {r.rate_pct}%: the highest is used - declare the full HTS "
                        "code for the exact duty"
                    )
        exempt = {p.removesuffix("_exempt") for p in line if p.endswith("_exempt")}
        if "section_232" in line:
            exempt.add("ieepa_reciprocal")  # 9903.01.33: goods under Section 232 are exempt
        for r in self._country:
            if _from(r.origin, origin) and r.active(on) and r.program not in exempt:
                best = line.get(r.program)
                if best is None or r.rate_pct > best.rate_pct:
                    line[r.program] = r
        duties: list[AdditionalDuty] = []
        for program, r in sorted(line.items()):
            if program.endswith("_exempt") or r.rate_pct == 0:
                continue
            if r.basis == "content":
                notes.append(
                    f"{program} {r.chapter_99} {r.rate_pct}% applies to the metal content of "
                    f"HTS {hts}, not its full value: not included - declare the content value"
                )
                continue
            duties.append(r)
        return Applied(duties, notes)


def _from(listed: str, origin: str) -> bool:
    """A duty listed for ``listed`` (a country, or EU for its member states) applies to goods
    of ``origin``."""
    if listed == origin:
        return True
    if listed == "EU":
        from borderline.refdata import region_members

        return origin in region_members("EU")
    return False


@datasets.on_update
@cache
def us_additional_duties() -> UsAdditionalDuties:
    return UsAdditionalDuties.load(datasets.path(US_DUTIES_DATASET))


# -- conversion from the compilation's layout ----------------------------------------------------


def _rate(cell: str, where: str) -> Decimal:
    try:
        v = Decimal(cell.strip())
    except ArithmeticError:
        raise DataFileError(f"{cell!r} is not a rate", where=where) from None
    return v * 100 if v <= 1 else v  # fractions (0.25) or percentages (25)


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    p = folder / name
    if not p.is_file():
        raise DataFileError(f"the folder has no {name}", where=str(folder))
    with p.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def convert_compilation(folder: Path, target: Path) -> int:
    """Read the compilation's CSVs and write the table ``us_additional_duties`` loads."""
    out: list[list[str]] = []

    def add(program: str, hts: str, origin: str, ch99: str, pct: Decimal, basis: str,
            start: str, end: str, source: str) -> None:  # fmt: skip
        out.append([program, hts, origin, ch99, f"{pct:g}", basis, start, end, source])

    for i, r in enumerate(_read(folder, "section_301_rates_temporal.csv"), 2):
        if r.get("role", "impose") != "impose":
            continue
        add("section_301", r["hts_8digit"], "CN", r["chapter_99_code"],
            _rate(r["duty_rate"], f"section_301_rates_temporal.csv:{i}"), "value",
            r["effective_start"], r["effective_end"],
            f"Section 301 {r['list_name']} ({r['chapter_99_code']}); {r['source']}")  # fmt: skip
    for i, r in enumerate(_read(folder, "section_232_rates.csv"), 2):
        basis = "content" if r["article_type"] in ("content", "derivative") else "value"
        add("section_232", r["hts_8digit"], r["country_code"], r["chapter_99_claim"],
            _rate(r["duty_rate"], f"section_232_rates.csv:{i}"), basis,
            r["effective_start"], r["effective_end"],
            f"Section 232 {r['material_type']} ({r['chapter_99_claim']}); "
            f"{r['source_doc']}")  # fmt: skip
    # EU goods: one all-in ceiling (MFN + reciprocal = 15%, nothing when MFN >= 15%), kept as a
    # "topup" row; the zero row for MFN >= 15% is the same rule seen from the other side.
    eo_countries = {
        r["iso_alpha2"]: r
        for r in _read(folder, "eo14326_annex_ch99_codes.csv")
        if r["iso_alpha2"] and r.get("special") != "MFN_CEILING_ZERO"
    }
    for i, r in enumerate(_read(folder, "ieepa_rates_temporal.csv"), 2):
        if r["rate_type"] != "ad_valorem":
            continue
        program = f"ieepa_{r['program_type']}"
        end = r["effective_end"]
        if program == "ieepa_reciprocal" and r["country_code"] in eo_countries and not end:
            # The baseline 10% gave way to the country rate of EO 14326.
            end = date.fromordinal(EO14326_FROM.toordinal() - 1).isoformat()
        add(program, "", r["country_code"], r["chapter_99_code"],
            _rate(r["duty_rate"], f"ieepa_rates_temporal.csv:{i}"), "value",
            r["effective_start"], end, f"IEEPA {r['program_type']} ({r['chapter_99_code']}); "
            f"{r['source_doc']}")  # fmt: skip
    for code, r in eo_countries.items():
        basis = "topup" if r.get("special") == "MFN_CEILING_TOPUP" else "value"
        add("ieepa_reciprocal", "", code, r["ch99_code"], Decimal(r["rate_pct"]), basis,
            EO14326_FROM.isoformat(), "",
            f"IEEPA reciprocal, EO 14326 Annex I ({r['ch99_code']}, "
            f"{r['country_name']})")  # fmt: skip
    for r in _read(folder, "annex_ii_exemptions.csv"):
        add("ieepa_reciprocal_exempt", r["hts_prefix"].replace(".", ""), "",
            r["exemption_code"], Decimal(0), "value", r["effective_date"], "",
            f"{r['source']}: {r['description']}")  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(out)
    target.write_bytes(gzip.compress(buf.getvalue().encode(), mtime=0))
    return len(out)
