"""Exchange rates: a caller's own table, or the ECB euro reference rates for the order's date.

The ECB publishes one rate per currency per TARGET business day (units of the currency for one
euro). ``ecb_rates()`` reads the shipped history (or the user's copy written by ``borderline
trade update-fx``) in either official layout: the full history (``eurofxref-hist.csv``:
``Date,USD,JPY,…`` one row per day, ``N/A`` for currencies not quoted) or the daily file
(``eurofxref.csv``: ``Date, USD, …`` then ``30 October 2026, 1.1172, …``).
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from borderline.errors import DataFileError, InvalidInput
from borderline.files import existing_file
from borderline.refdata import datasets, is_currency

FX_DATASET = "ecb-fx"


@dataclass(frozen=True, slots=True)
class FxTable:
    """``rates[c]`` = value of one unit of currency ``c`` in ``base``."""

    base: str
    rates: dict[str, Decimal]
    as_of: date | None = None  # the day the rates were published, when known
    source: str = "caller"

    @classmethod
    def from_dict(cls, obj: Any, where: str = "fx") -> FxTable:
        if obj is None:
            return cls("XXX", {})
        if not isinstance(obj, dict) or not isinstance(obj.get("rates"), dict):
            raise InvalidInput('fx is {"base": "EUR", "rates": {"USD": 0.92, …}}', where=where)
        base = str(obj.get("base", "")).upper()
        if not is_currency(base):
            raise InvalidInput(f"unknown currency {base!r}", where=f"{where}.base")
        rates: dict[str, Decimal] = {base: Decimal(1)}
        for cur, val in obj["rates"].items():
            c = str(cur).upper()
            if not is_currency(c):
                raise InvalidInput(f"unknown currency {cur!r}", where=f"{where}.rates.{cur}")
            if isinstance(val, bool):
                raise InvalidInput("must be a number", where=f"{where}.rates.{cur}")
            try:
                d = Decimal(str(val))
            except InvalidOperation:
                raise InvalidInput(
                    f"{val!r} is not a number", where=f"{where}.rates.{cur}"
                ) from None
            if not d.is_finite() or d <= 0:
                raise InvalidInput("a rate is a positive number", where=f"{where}.rates.{cur}")
            rates[c] = d
        return cls(base, rates)

    @property
    def empty(self) -> bool:
        return len(self.rates) <= 1

    def convert(self, amount: Decimal, src: str, dst: str, where: str) -> Decimal:
        if src == dst:
            return amount
        for c in (src, dst):
            if c not in self.rates:
                raise InvalidInput(f"no FX rate for {c}; add it to fx.rates", where=where)
        return amount * self.rates[src] / self.rates[dst]


@dataclass(frozen=True)
class EcbRates:
    """Reference rates by day: ``per_eur[day][c]`` units of ``c`` for one euro."""

    days: tuple[date, ...]  # ascending
    per_eur: dict[date, dict[str, Decimal]]
    # Publication day -> its table, made once: every order with a price converts through one
    # (30 Decimal divisions), and orders of the same few days share it. Read only after.
    _tables: dict[date, FxTable] = field(default_factory=dict, compare=False, repr=False)

    def table(self, on: date) -> FxTable:
        """The rates of the last publication day on or before ``on``."""
        i = bisect.bisect_right(self.days, on)
        if i == 0:
            raise InvalidInput(
                f"no ECB reference rate on or before {on} (history starts {self.days[0]})",
                where="date",
            )
        day = self.days[i - 1]
        made = self._tables.get(day)
        if made is None:
            rates = {c: Decimal(1) / v for c, v in self.per_eur[day].items()}
            rates["EUR"] = Decimal(1)
            made = self._tables[day] = FxTable(
                "EUR", rates, day, f"ECB euro reference rates of {day}"
            )
        return made

    @property
    def last_day(self) -> date:
        return self.days[-1]


def _parse_day(text: str, where: str) -> date:
    t = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise DataFileError(f"{t!r} is not a date (YYYY-MM-DD or '30 October 2026')", where=where)


def parse_ecb_csv(text: str, name: str = "ecb") -> EcbRates:
    """Either official ECB layout; empty and ``N/A`` cells are currencies not quoted that day."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataFileError("empty file", where=f"{name}:1") from None
    if not header or header[0] != "Date":
        raise DataFileError("first column must be 'Date' (an ECB rates file)", where=f"{name}:1")
    currencies = [h for h in header[1:]]
    per_eur: dict[date, dict[str, Decimal]] = {}
    for lineno, row in enumerate(reader, 2):
        if not row or not row[0].strip():
            continue
        day = _parse_day(row[0], f"{name}:{lineno}")
        rates: dict[str, Decimal] = {}
        for cur, cell in zip(currencies, row[1:], strict=False):
            cell = cell.strip()
            if not cur or not cell or cell == "N/A":
                continue
            try:
                v = Decimal(cell)
            except InvalidOperation:
                raise DataFileError(
                    f"{cell!r} is not a rate", where=f"{name}:{lineno}:{cur}"
                ) from None
            if v <= 0:
                raise DataFileError("a rate is positive", where=f"{name}:{lineno}:{cur}")
            rates[cur] = v
        per_eur[day] = rates
    if not per_eur:
        raise DataFileError("no rates in the file", where=name)
    return EcbRates(tuple(sorted(per_eur)), per_eur)


def read_ecb_file(p: Path) -> EcbRates:
    """Read ``eurofxref-hist.csv``/``eurofxref.csv``, the ECB's ``.zip`` of either, or ``.gz``."""
    raw = existing_file(p).read_bytes()
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            names = [n for n in z.namelist() if n.endswith(".csv")]
            if not names:
                raise DataFileError("no .csv inside the zip", where=str(p))
            raw = z.read(names[0])
    elif raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return parse_ecb_csv(raw.decode("utf-8-sig"), p.name)


@datasets.on_update
@cache
def ecb_rates() -> EcbRates:
    return read_ecb_file(datasets.path(FX_DATASET))


def write_ecb_history(rates: EcbRates, target: Path, since: date | None = None) -> None:
    """Write the history layout (gzip), newest day first as the ECB does."""
    currencies = sorted({c for r in rates.per_eur.values() for c in r})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Date", *currencies])
    for day in reversed(rates.days):
        if since and day < since:
            continue
        r = rates.per_eur[day]
        w.writerow([day.isoformat(), *(str(r[c]) if c in r else "N/A" for c in currencies)])
    target.write_bytes(gzip.compress(buf.getvalue().encode(), mtime=0))
