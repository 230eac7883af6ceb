"""What every loader shares: the loaded-list record, file reading and date parsing."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from borderline.errors import DataFileError
from borderline.files import existing_file
from borderline.screening.model import Entity, PartialDate

# A single list entry larger than this is not a name list; refuse it rather than eat memory.
csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class LoadedList:
    """A whole list, parsed and validated. Loaders return one or raise: never half a list."""

    name: str
    title: str
    format: str
    published: date | None
    entities: tuple[Entity, ...]
    fingerprint: str
    source: str

    @property
    def version(self) -> str:
        day = self.published.isoformat() if self.published else "undated"
        return f"{day}-{self.fingerprint[:12]}"


def open_bytes(path: Path) -> bytes:
    """Read a file whole (transparently gunzipping ``*.gz``); a missing file is a clear error."""
    data = existing_file(path).read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DataFileError(f"not a valid gzip file ({exc})", where=str(path)) from None
    return data


def decode(path: Path, data: bytes, encoding: str = "utf-8") -> str:
    """Decode text, naming the line of the first bad byte when the encoding is wrong."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"not {encoding} text: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            where=f"{path}:{line}",
        ) from None
    # OFAC files end with an MS-DOS end-of-file byte; a UTF-8 BOM may start any export.
    return text.lstrip("\ufeff").replace("\x1a", "")


def csv_rows(path: Path, text: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields); a malformed CSV row raises naming its line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield reader.line_num, row
    except csv.Error as exc:
        raise DataFileError(f"malformed CSV: {exc}", where=f"{path}:{reader.line_num}") from None


def header_of(
    row: list[str],
    required: tuple[str, ...],
    what: str,
    where: str,
    *,
    one_of: tuple[str, ...] = (),
) -> list[str]:
    """A CSV header row's column names; a ``DataFileError`` naming the missing columns (and
    the first of ``one_of`` when none of those is there) when the file is not ``what``."""
    header = [c.strip() for c in row]
    missing = [c for c in required if c not in header]
    if one_of and not any(c in header for c in one_of):
        missing.append(one_of[0])
    if missing:
        raise DataFileError(f"not {what}: missing column(s) {missing}", where=where)
    return header


def padded_record(header: list[str], row: list[str]) -> dict[str, str]:
    """A data row as {column: value}; a row shorter than the header (trailing empty fields
    left out, as spreadsheet exports do) gets empty values."""
    if len(row) < len(header):
        row = row + [""] * (len(header) - len(row))
    return dict(zip(header, row, strict=False))


def fingerprint(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DMY_TEXT = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4})\s*(?:to|-|–)\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_DMY_NUM = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def parse_dob(text: str) -> PartialDate | None:
    """Dates of birth as lists write them; None when the text is not a date we understand.

    Handles ``10 Dec 1948``, ``Dec 1948``, ``1948``, ``1960 to 1962``, ``circa 1960``,
    ``1948-12-10``, ``10/12/1948`` (day first, as UK and EU lists write) and ``00/00/1948``.
    """
    t = text.strip().rstrip(".")
    for prefix in ("circa ", "approximately ", "approx. ", "approx ", "c. ", "ca. "):
        if t.lower().startswith(prefix):
            t = t[len(prefix) :].strip()
    try:
        if m := _YEAR.match(t):
            return PartialDate(int(m.group(1)))
        if m := _RANGE.match(t):
            a, b = int(m.group(1)), int(m.group(2))
            return PartialDate(min(a, b), to_year=max(a, b))
        if m := _ISO.match(t):
            y, mo = int(m.group(1)), int(m.group(2))
            d = int(m.group(3)) if m.group(3) else None
            if d:
                date(y, mo, d)
            return PartialDate(y, mo or None, d or None) if mo else PartialDate(y)
        if m := _DMY_TEXT.match(t):
            mon = _MONTHS.get(m.group(2).lower())
            if mon is None:
                return None
            d = int(m.group(1)) if m.group(1) else None
            y = int(m.group(3))
            if d:
                date(y, mon, d)
            return PartialDate(y, mon, d)
        if m := _DMY_NUM.match(t):
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if y == 0:
                return None
            if mo == 0:
                return PartialDate(y)
            if d == 0:
                return PartialDate(y, mo)
            date(y, mo, d)
            return PartialDate(y, mo, d)
    except ValueError:
        return None
    return None


def parse_day(text: str) -> date | None:
    """A publication date written ISO, ``dd/mm/yyyy`` or as an ISO timestamp."""
    t = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(t[:10], fmt).date()
        except ValueError:
            continue
    return None


_DATED_DIR = re.compile(r"(\d{4}-\d{2}(?:-\d{2})?)")


def date_from_path(path: Path) -> date | None:
    """Snapshots are often kept in folders named by date: ``us_ofac_sdn_2023-12-28/``."""
    for part in (path.name, path.parent.name):
        if m := _DATED_DIR.search(part):
            day = m.group(1) if len(m.group(1)) == 10 else m.group(1) + "-01"
            return parse_day(day)
    return None


def split_multi(value: str, seps: str = ";") -> list[str]:
    out = [value]
    for sep in seps:
        out = [p for chunk in out for p in chunk.split(sep)]
    return [p.strip() for p in out if p.strip()]
