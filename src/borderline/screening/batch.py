"""Batch inputs: screening queries (``id,name,type,country,dob``) and labelled name pairs
(``id,left,right,type``) from CSV files, validated with file:line errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from borderline.errors import BorderlineError, DataFileError, InvalidInput
from borderline.files import existing_file
from borderline.screening import parse_dob, parse_kind
from borderline.screening.index import Query, ScreeningIndex
from borderline.screening.matcher import THRESHOLD
from borderline.screening.model import EntityKind


@overload
def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], lenient: Literal[False] = ...
) -> Iterator[tuple[int, dict[str, str]]]: ...
@overload
def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], lenient: Literal[True]
) -> Iterator[tuple[int, dict[str, str] | str]]: ...
def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], lenient: bool = False
) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Rows as dicts. ``lenient``: a row with the wrong number of columns, or the rest of a
    file after malformed quoting, is yielded as an error message instead of raising, and bytes
    that are not UTF-8 stay as surrogates for the caller to flag on their row."""
    data = existing_file(path).read_bytes()
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        if lenient:
            text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
        else:
            line = data[: exc.start].count(b"\n") + 1
            raise DataFileError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x})", where=f"{path}:{line}"
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DataFileError("empty file: expected a header row", where=f"{path}:1") from None
    except csv.Error as exc:
        raise DataFileError(f"malformed CSV: {exc}", where=f"{path}:1") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            f"missing column(s) {', '.join(missing)}; expected {','.join(required + optional)}",
            where=f"{path}:1",
        )
    unknown = [c for c in header if c not in required + optional]
    if unknown:
        raise DataFileError(f"unknown column(s) {', '.join(unknown)}", where=f"{path}:1")
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                msg = f"expected {len(header)} columns, found {len(row)}"
                if not lenient:
                    raise DataFileError(msg, where=f"{path}:{line}")
                yield line, msg
                continue
            yield line, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        if not lenient:
            raise DataFileError(
                f"malformed CSV: {exc}", where=f"{path}:{reader.line_num}"
            ) from None
        yield reader.line_num, f"malformed CSV from here on ({exc}); the rest is not read"


@dataclass(frozen=True, slots=True)
class BatchQuery:
    """One row of a batch: a query to screen, or the reason it cannot be screened.

    ``warnings`` name fields that were left out of the query (an impossible date of birth, an
    unknown type or country): the name is still screened without them.
    """

    id: str
    query: Query | None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    line: int | None = None


def plan_row(
    ident: str,
    rec: Mapping[str, object],
    *,
    top: int = 10,
    threshold: float = THRESHOLD,
    where: str = "",
    line: int | None = None,
) -> BatchQuery:
    """Turn one batch record (``name``, ``type``, ``country``, ``dob``) into a query.

    Never raises for what a row holds: a field that cannot be used becomes a warning and is
    left out; a row whose name cannot be screened gets an error. ``where`` prefixes messages
    (``q.csv:12: `` or ``queries[3].``).
    """
    warnings: list[str] = []

    def text(field: str) -> str:
        value = rec.get(field)
        if value is None:
            return ""
        if not isinstance(value, str):
            warnings.append(f"{where}{field}: {value!r} is not text; ignored")
            return ""
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            raise _RowError(f"{where}{field}: not UTF-8 text")
        return value

    try:
        name = text("name")
        kind_text, country, dob_text = text("type"), text("country").strip(), text("dob")
        try:
            kind = parse_kind(kind_text or None, where=f"{where}type")
        except InvalidInput as exc:
            warnings.append(f"{exc}; screened as any type")
            kind = None
        dob = None
        try:
            dob = parse_dob(dob_text or None, where=f"{where}dob")
        except InvalidInput as exc:
            warnings.append(f"{exc}; screened without a date of birth")
        q = Query(
            name=name, kind=kind, country=country or None, dob=dob, threshold=threshold, limit=top
        )
        if q.country is not None:
            try:
                Query(name="x", country=q.country).validate()
            except InvalidInput as exc:
                # A country written out ("Cuba", "Russian Federation") is read as lists
                # write them; anything else is left out with a warning.
                from borderline.screening._countries import country_code

                code = country_code(q.country)
                if code is None:
                    warnings.append(
                        f"{where}{exc.where}: {exc.message}; screened without a country"
                    )
                q.country = code
        q.validate()
    except InvalidInput as exc:
        return BatchQuery(ident, None, f"{where}{exc.where}: {exc.message}", tuple(warnings), line)
    except _RowError as exc:
        return BatchQuery(ident, None, str(exc), tuple(warnings), line)
    return BatchQuery(ident, q, None, tuple(warnings), line)


class _RowError(Exception):
    pass


def read_queries(
    path: Path, *, top: int = 10, threshold: float = THRESHOLD
) -> Iterator[BatchQuery]:
    """Every row of a batch file as a query or an error, in file order.

    Only a file that cannot be read at all (missing, no header, missing columns) raises; a bad
    row never stops the rows after it. A line that is not UTF-8 is an error on that row.
    """
    seen: set[str] = set()
    for line, rec in _rows(path, ("id", "name"), ("type", "country", "dob"), lenient=True):
        where = f"{path}:{line}: "
        if isinstance(rec, str):  # the row itself is malformed
            yield BatchQuery(f"line {line}", None, f"{where}{rec}", (), line)
            continue
        ident = rec["id"].strip()
        if not ident or any("\udc80" <= ch <= "\udcff" for ch in ident):
            yield BatchQuery(f"line {line}", None, f"{where}id: empty or not UTF-8", (), line)
            continue
        row = plan_row(ident, rec, top=top, threshold=threshold, where=where, line=line)
        if ident in seen:
            row = BatchQuery(
                row.id,
                row.query,
                row.error,
                (*row.warnings, f"{where}id: duplicate {ident!r}"),
                line,
            )
        seen.add(ident)
        yield row


def screen_rows(
    rows: Iterable[BatchQuery], index: ScreeningIndex | None = None
) -> Iterator[tuple[BatchQuery, dict[str, Any]]]:
    """Screen each planned row; yield it with its output record ``{"id", "matches"}`` plus
    ``warnings`` and ``error`` when present. A row that fails is answered with its error;
    the rows after it are still screened."""
    if index is None:
        from borderline.screening.registry import current_index

        index = current_index()
    for row in rows:
        out: dict[str, Any] = {"id": row.id, "matches": []}
        if row.query is not None:
            try:
                out["matches"] = [m.to_dict() for m in index.search(row.query)]
            except BorderlineError as exc:
                out["error"] = str(exc)
            except Exception as exc:  # one row's failure must never cost the others
                out["error"] = f"could not be screened ({type(exc).__name__}: {exc})"
        if row.warnings:
            out["warnings"] = list(row.warnings)
        if row.error is not None:
            out["error"] = row.error
        yield row, out


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    left: str
    right: str
    kind: EntityKind | None


def read_pairs(path: Path) -> list[Pair]:
    out: list[Pair] = []
    for line, rec in _rows(path, ("id", "left", "right"), ("type", "label")):
        where = f"{path}:{line}"
        if not rec["left"].strip() or not rec["right"].strip():
            raise DataFileError("left and right names must not be empty", where=where)
        out.append(
            Pair(
                rec["id"].strip(),
                rec["left"],
                rec["right"],
                parse_kind(rec.get("type") or None, where=where),
            )
        )
    return out
