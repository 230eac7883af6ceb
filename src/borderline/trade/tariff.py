"""Tariff schedules: duty rates by destination, HS prefix and effective dates, each with a source.

A schedule is a CSV (columns in ``TARIFF_COLUMNS``; format in ``docs/trade.md``). The default
schedule is the hand-written sample (``data/tariff-sample.csv``) plus the US general (MFN) rates
converted from the USITC's HTS CSV (``data/tariff-us-hts.csv.gz``, ``borderline trade
update-tariff``). A code declared with fewer digits than the schedule's national lines resolves
to those lines when they all carry the same rate, otherwise to the highest, with a note.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from borderline.errors import DataFileError, InvalidInput
from borderline.files import existing_file
from borderline.refdata import datasets, is_country, is_currency
from borderline.trade._values import dec
from borderline.trade.hs import data_path
from borderline.trade.taxes import regimes_by_id

_UNITS = ("kg", "item", "l", "pair")


@dataclass(frozen=True, slots=True)
class TariffRow:
    destination: str  # ISO country or regime id (EU)
    hs: str  # 2-10 digit prefix
    duty_type: str  # ad_valorem | specific | compound | free
    ad_valorem_pct: Decimal | None
    specific_amount: Decimal | None
    specific_unit: str | None
    min_amount: Decimal | None
    max_amount: Decimal | None
    currency: str
    effective_from: date
    effective_to: date | None
    source: str
    where: str

    def active(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


TARIFF_COLUMNS = (
    "destination",
    "hs",
    "duty_type",
    "ad_valorem_pct",
    "specific_amount",
    "specific_unit",
    "min_amount",
    "max_amount",
    "currency",
    "effective_from",
    "effective_to",
    "source",
)


@dataclass
class TariffSchedule:
    rows: list[TariffRow]
    name: str

    @classmethod
    def load(cls, path: Path | str) -> TariffSchedule:
        """Read a schedule CSV; any bad cell is an error naming ``file:line`` and column."""
        p = existing_file(path)
        rows: list[TariffRow] = []
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        with io.StringIO(raw.decode("utf-8-sig"), newline="") as fh:
            reader = csv.DictReader(fh)
            missing = set(TARIFF_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise DataFileError(f"missing column(s) {sorted(missing)}", where=f"{p}:1")
            for lineno, r in enumerate(reader, 2):
                rows.append(cls._row(r, f"{p}:{lineno}"))
        return cls(rows, p.name)

    @staticmethod
    def _row(r: dict[str, str], where: str) -> TariffRow:
        def num(col: str) -> Decimal | None:
            try:
                return dec((r.get(col) or "").strip() or None, f"{where}:{col}", allow_none=True)
            except InvalidInput as exc:
                raise DataFileError(exc.message, where=exc.where) from None

        dest = (r["destination"] or "").strip().upper()
        hs = (r["hs"] or "").strip().replace(".", "")
        dtype = (r["duty_type"] or "").strip()
        if not (is_country(dest) or dest in regimes_by_id()):
            raise DataFileError(f"unknown destination {dest!r}", where=f"{where}:destination")
        if not hs.isdigit() or not 2 <= len(hs) <= 10:
            raise DataFileError(f"hs must be 2-10 digits, got {hs!r}", where=f"{where}:hs")
        if dtype not in ("ad_valorem", "specific", "compound", "free"):
            raise DataFileError(
                f"duty_type {dtype!r} is not ad_valorem, specific, compound or free",
                where=f"{where}:duty_type",
            )
        av, sp = num("ad_valorem_pct"), num("specific_amount")
        unit = (r.get("specific_unit") or "").strip() or None
        if dtype in ("ad_valorem", "compound") and av is None:
            raise DataFileError(f"{dtype} needs ad_valorem_pct", where=f"{where}:ad_valorem_pct")
        if dtype in ("specific", "compound") and (sp is None or unit not in _UNITS):
            raise DataFileError(
                f"{dtype} needs specific_amount and specific_unit in {_UNITS}",
                where=f"{where}:specific_unit",
            )
        cur = (r["currency"] or "").strip().upper()
        if not is_currency(cur):
            raise DataFileError(f"unknown currency {cur!r}", where=f"{where}:currency")
        try:
            start = date.fromisoformat((r["effective_from"] or "").strip())
            end_s = (r.get("effective_to") or "").strip()
            end = date.fromisoformat(end_s) if end_s else None
        except ValueError:
            raise DataFileError("dates are YYYY-MM-DD", where=f"{where}:effective_from") from None
        if end is not None and end < start:
            raise DataFileError(
                "effective_to is before effective_from", where=f"{where}:effective_to"
            )
        mn, mx = num("min_amount"), num("max_amount")
        if mn is not None and mx is not None and mn > mx:
            raise DataFileError("min_amount is above max_amount", where=f"{where}:min_amount")
        return TariffRow(
            dest,
            hs,
            dtype,
            av,
            sp,
            unit,
            mn,
            mx,
            cur,
            start,
            end,
            (r.get("source") or "").strip(),
            where,
        )

    def __add__(self, other: TariffSchedule) -> TariffSchedule:
        return TariffSchedule(self.rows + other.rows, f"{self.name} + {other.name}")

    def _indexed(self, key: str) -> _Destination:
        index: dict[str, _Destination] | None = self.__dict__.get("_index")
        if index is None:
            grouped: dict[str, list[TariffRow]] = {}
            for row in self.rows:
                grouped.setdefault(row.destination, []).append(row)
            index = {k: _Destination(rows) for k, rows in grouped.items()}
            self.__dict__["_index"] = index
        return index.get(key) or _NO_ROWS

    def _memo(self, name: str) -> dict[Any, Any]:
        """A per-schedule answer cache: the same (country, HS code, day) comes back order after
        order, and an answer builds TariffMatch notes. Bounded: cleared when full."""
        memo: dict[Any, Any] | None = self.__dict__.get(name)
        if memo is None or len(memo) > 50_000:
            memo = self.__dict__[name] = {}
        return memo

    def find(
        self, destination: str, regime_id: str | None, hs: str, on: date
    ) -> TariffMatch | None:
        """The row for ``hs``; when the schedule only has longer national lines under it,
        their common rate, or the highest of them with ``ambiguous`` set."""
        memo = self._memo("_found")
        key = (destination, regime_id, hs, on)
        if key not in memo:
            memo[key] = self._find(destination, regime_id, hs, on)
        found: TariffMatch | None = memo[key]
        return found

    def national_lines(self, country: str, hs6: str) -> int:
        """How many distinct 8-digit national lines the schedule has for ``country`` under
        ``hs6``."""
        memo = self._memo("_national")
        key = (country, hs6)
        if key not in memo:
            memo[key] = len({r.hs[:8] for r in self._indexed(country).under(hs6)})
        n: int = memo[key]
        return n

    def _find(
        self, destination: str, regime_id: str | None, hs: str, on: date
    ) -> TariffMatch | None:
        row = self.lookup(destination, regime_id, hs, on)
        if row is not None:
            return TariffMatch(row)
        for key in [destination] + ([regime_id] if regime_id else []):
            below = [r for r in self._indexed(key).under(hs) if r.active(on)]
            if not below:
                continue
            rates = {
                (r.duty_type, r.ad_valorem_pct, r.specific_amount, r.specific_unit) for r in below
            }
            if len(rates) == 1:
                return TariffMatch(
                    below[0],
                    f"the {len(below)} national line(s) under {hs} "
                    f"({', '.join(r.hs for r in below[:5])}) all carry this rate",
                )
            worst = max(
                below, key=lambda r: (r.ad_valorem_pct or Decimal(0), r.specific_amount or 0)
            )
            return TariffMatch(
                worst,
                f"{len(below)} national lines under {hs} carry different rates; the highest "
                f"({worst.hs}) is used: declare the full national code for the exact duty",
                ambiguous=True,
            )
        return None

    def lookup(
        self, destination: str, regime_id: str | None, hs: str, on: date
    ) -> TariffRow | None:
        """Longest HS prefix in force on ``on`` for the country, else for its regime (EU)."""
        memo = self._memo("_looked_up")
        key = (destination, regime_id, hs, on)
        if key not in memo:
            memo[key] = self._lookup(destination, regime_id, hs, on)
        row: TariffRow | None = memo[key]
        return row

    def _lookup(
        self, destination: str, regime_id: str | None, hs: str, on: date
    ) -> TariffRow | None:
        keys = [destination] + ([regime_id] if regime_id else [])
        for key in keys:
            best = self._indexed(key).longest(hs, on)
            if best is not None:
                return best
        return None


class _Destination:
    """One destination's rows, indexed by code for the two questions lookups ask: the
    longest code that is a prefix of a declared code, and the codes under a declared prefix.
    A scan of every row (11,000 for the US) took 10-25 ms on each new (code, day)."""

    __slots__ = ("_by_code", "_codes", "_sorted", "rows")

    def __init__(self, rows: list[TariffRow]) -> None:
        self.rows = rows
        self._by_code: dict[str, list[TariffRow]] = {}
        for row in rows:
            self._by_code.setdefault(row.hs, []).append(row)
        order = sorted(range(len(rows)), key=lambda i: (rows[i].hs, i))
        self._codes = [rows[i].hs for i in order]
        self._sorted = order

    def longest(self, hs: str, on: date) -> TariffRow | None:
        """The first row in file order, among those with the longest code that ``hs`` starts
        with, in force on ``on``."""
        for n in range(len(hs), 0, -1):
            for row in self._by_code.get(hs[:n], ()):
                if row.active(on):
                    return row
        return None

    def under(self, prefix: str) -> list[TariffRow]:
        """Rows whose code starts with ``prefix``, in file order."""
        lo = bisect_left(self._codes, prefix)
        hi = bisect_left(self._codes, prefix + "\x7f", lo)  # codes are digits
        return [self.rows[i] for i in sorted(self._sorted[lo:hi])]


_NO_ROWS = _Destination([])


@dataclass(frozen=True, slots=True)
class TariffMatch:
    row: TariffRow
    note: str | None = None
    ambiguous: bool = False


@cache
def sample_schedule() -> TariffSchedule:
    return TariffSchedule.load(data_path("tariff-sample.csv"))


US_HTS_DATASET = "us-hts-mfn"


@datasets.on_update
@cache
def default_schedule() -> TariffSchedule:
    """The sample plus the US general rates of the HTS (the user's updated copy if any)."""
    us = TariffSchedule.load(datasets.path(US_HTS_DATASET))
    return TariffSchedule(sample_schedule().rows + us.rows, f"tariff-sample.csv + {us.name}")


# -- the USITC HTS CSV ---------------------------------------------------------------------------

_CENTS = re.compile(r"^(\d+(?:\.\d+)?)\s*¢\s*(?:/\s*(kg|liter|litre|l|pr\.|pair)|each|/\s*no\.)$")
_DOLLARS = re.compile(r"^\$(\d+(?:\.\d+)?)\s*(?:/\s*(kg|liter|litre|l|pr\.|pair)|each|/\s*no\.)$")
_PCT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_UNIT_OF = {"kg": "kg", "liter": "l", "litre": "l", "l": "l", "pr.": "pair", "pair": "pair"}


def parse_hts_general_rate(
    text: str,
) -> tuple[str, Decimal | None, Decimal | None, str | None] | None:
    """``Free``, ``16.5%``, ``6.3¢/liter``, ``$1.865/kg + 8.5%`` -> (type, pct, amount USD, unit).

    Anything else (rates on drained weight, per dozen, with a minimum …) is ``None``: the
    line is left out and a quote for it warns that no rate is known.
    """
    t = " ".join(text.split())
    if t == "Free":
        return ("free", None, None, None)
    m = _PCT.match(t)
    if m:
        return ("ad_valorem", Decimal(m.group(1)), None, None)
    parts = [p.strip() for p in t.split("+")]
    if len(parts) > 2:
        return None
    specific: tuple[Decimal, str] | None = None
    pct: Decimal | None = None
    for part in parts:
        if (m := _PCT.match(part)) is not None:
            pct = Decimal(m.group(1))
            continue
        m = _CENTS.match(part) or _DOLLARS.match(part)
        if m is None:
            return None
        amount = Decimal(m.group(1)) / (100 if "¢" in part else 1)
        unit = _UNIT_OF.get(m.group(2) or "", "item")
        specific = (amount, unit)
    if specific is None:
        return None
    if pct is None:
        return ("specific", None, specific[0], specific[1])
    return ("compound", pct, specific[0], specific[1])


def convert_usitc_hts(src: Path, target: Path, edition: str, effective_from: date) -> int:
    """Write the US general (MFN) rates of a USITC HTS CSV export as a gzip schedule CSV.

    The official layout: ``HTS Number, Indent, Description, Unit of Quantity, General Rate of
    Duty, Special Rate of Duty, Column 2 Rate of Duty, Quota Quantity, Additional Duties``.
    Chapter 99 (temporary and additional duties) is not an MFN line: its duties come from
    ``us_duties``. Returns the number of rows written.
    """
    with existing_file(src).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"HTS Number", "General Rate of Duty"}
        if not need <= set(reader.fieldnames or ()):
            raise DataFileError(
                f"not a USITC HTS CSV: missing {sorted(need - set(reader.fieldnames or ()))}",
                where=f"{src}:1",
            )
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(TARIFF_COLUMNS)
        n = 0
        for r in reader:
            hts = (r["HTS Number"] or "").replace(".", "").strip()
            rate = (r["General Rate of Duty"] or "").strip()
            if not hts.isdigit() or len(hts) < 6 or not rate or hts.startswith("99"):
                continue
            parsed = parse_hts_general_rate(rate)
            if parsed is None:
                continue
            dtype, pct, amount, unit = parsed
            w.writerow([
                "US", hts, dtype, "" if pct is None else pct, "" if amount is None else amount,
                unit or "", "", "", "USD", effective_from.isoformat(), "",
                f"HTSUS {edition} (USITC) {r['HTS Number']} general (MFN) rate {rate}",
            ])  # fmt: skip
            n += 1
    target.write_bytes(gzip.compress(out.getvalue().encode(), mtime=0))
    return n
