"""Dates of birth as customers' files write them, read into a ``PartialDate``.

One function, used by the CLI, the API and batch files alike, so the same text never gives two
answers. Accepted: ``YYYY``, ``YYYY-M``, ``YYYY-M-D`` (with ``-``, ``/`` or ``.``; one or two
digits for month and day), ``YYYYMMDD``, ``YYYYMM``, ``DD/MM/YYYY`` and ``DD.MM.YYYY`` (day
first, as most of the world and the UK and EU lists write), ``MM/YYYY``. Anything else, and any
date that cannot exist (``1974-01-32``, ``1968-13``), raises ``ValueError`` saying why.
"""

from __future__ import annotations

import re
from datetime import date

from borderline.screening.model import PartialDate

_YEAR_FIRST = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_YEAR_LAST = re.compile(r"^(?:(\d{1,2})[-/.])?(\d{1,2})[-/.](\d{4})$")
MIN_YEAR, MAX_YEAR = 1800, 2100


def parse_date(text: str) -> PartialDate:
    """A full or partial date in one of the accepted layouts; ``ValueError`` otherwise."""
    t = text.strip()
    if (m := _YEAR_FIRST.match(t)) or (m := _COMPACT.match(t)):
        y, mo, d = m.group(1), m.group(2), m.group(3)
    elif m := _YEAR_LAST.match(t):
        d, mo, y = m.group(1), m.group(2), m.group(3)
    else:
        raise ValueError(
            f"{text!r} is not a date (YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)"
        )
    year = int(y)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text!r}: year {year} out of range {MIN_YEAR}-{MAX_YEAR}")
    if mo is None:
        return PartialDate(year)
    month = int(mo)
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month {month} does not exist")
    if d is None:
        return PartialDate(year, month)
    day = int(d)
    try:
        date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r}: day {day} does not exist in {year:04d}-{month:02d}") from None
    return PartialDate(year, month, day)


__all__ = ["parse_date"]
