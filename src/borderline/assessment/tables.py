"""Reading MCDA input tables: a header row of criterion names, the first column naming each row.

Two shapes share one reader:

* a pairwise comparison matrix (AHP): one row per criterion, the row names equal the column
  names in the same order, cells are positive numbers or fractions such as ``1/3``;
* a decision matrix (entropy, CRITIC, TOPSIS, VIKOR, grey relational analysis): one row per
  alternative, one column per criterion.

Every error names the file and line (``where="file.csv:4"``) so a typo in a spreadsheet export
is found without reading code.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from fractions import Fraction

from borderline.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Table:
    """A labelled numeric table: ``rows[i]`` names ``values[i]``; ``columns`` name the cells."""

    columns: tuple[str, ...]
    rows: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]


def parse_number(text: str, where: str) -> float:
    """A decimal (``0.25``, ``1e3``) or a fraction (``1/3``); anything else is an error."""
    raw = text.strip()
    if not raw:
        raise InvalidInput("empty cell", where=where)
    try:
        if "/" in raw:
            num, _, den = raw.partition("/")
            # Fraction keeps 1/3 exact until the final float conversion.
            value = float(Fraction(num.strip()) / Fraction(den.strip()))
        else:
            value = float(raw)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"not a number or fraction: {raw!r}", where=where) from None
    if not math.isfinite(value):
        raise InvalidInput(f"not a finite number: {raw!r}", where=where)
    return value


def read_table(text: str, source: str = "<input>") -> Table:
    """Parse CSV text with a header row and a label column into a :class:`Table`."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    lines = [(n, row) for n, row in enumerate(reader, 1) if any(c.strip() for c in row)]
    if not lines:
        raise InvalidInput("empty file: expected a header row of criterion names", where=source)
    header_no, header = lines[0]
    columns = tuple(c.strip() for c in header[1:])
    if not columns:
        raise InvalidInput(
            "header needs a label column and at least one criterion", where=f"{source}:{header_no}"
        )
    for i, name in enumerate(columns):
        if not name:
            raise InvalidInput(f"criterion {i + 1} has no name", where=f"{source}:{header_no}")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise InvalidInput(f"duplicate criterion names {dupes}", where=f"{source}:{header_no}")
    rows: list[str] = []
    values: list[tuple[float, ...]] = []
    for line_no, row in lines[1:]:
        where = f"{source}:{line_no}"
        label = row[0].strip() if row else ""
        if not label:
            raise InvalidInput("row has no name in the first column", where=where)
        if label in rows:
            raise InvalidInput(f"duplicate row name {label!r}", where=where)
        cells = row[1:]
        if len(cells) != len(columns):
            raise InvalidInput(
                f"row {label!r} has {len(cells)} values; the header names {len(columns)} criteria",
                where=where,
            )
        values.append(tuple(parse_number(c, f"{where}:{columns[j]}") for j, c in enumerate(cells)))
        rows.append(label)
    if not rows:
        raise InvalidInput("no data rows after the header", where=source)
    return Table(columns=columns, rows=tuple(rows), values=tuple(values))
