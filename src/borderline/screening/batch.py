"""Batch inputs: screening queries (``id,name,type,country,dob``) and labelled name pairs
(``id,left,right,type``) from CSV files, validated with file:line errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from borderline.errors import DataFileError, InvalidInput
from borderline.screening import parse_dob, parse_kind
from borderline.screening.index import Query
from borderline.screening.matcher import THRESHOLD
from borderline.screening.model import EntityKind


def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise DataFileError("no such file", where=str(path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
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
                raise DataFileError(
                    f"expected {len(header)} columns, found {len(row)}", where=f"{path}:{line}"
                )
            yield line, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        raise DataFileError(f"malformed CSV: {exc}", where=f"{path}:{reader.line_num}") from None


@dataclass(frozen=True, slots=True)
class BatchQuery:
    id: str
    query: Query


def read_queries(path: Path, *, top: int = 10, threshold: float = THRESHOLD) -> list[BatchQuery]:
    """All queries of a batch file, validated before any is screened (all or nothing)."""
    out: list[BatchQuery] = []
    seen: set[str] = set()
    for line, rec in _rows(path, ("id", "name"), ("type", "country", "dob")):
        where = f"{path}:{line}"
        ident = rec["id"].strip()
        if not ident:
            raise DataFileError("empty id", where=where)
        if ident in seen:
            raise DataFileError(f"duplicate id {ident!r}", where=where)
        seen.add(ident)
        try:
            q = Query(
                name=rec["name"],
                kind=parse_kind(rec.get("type") or None, where=where),
                country=(rec.get("country") or "").strip() or None,
                dob=parse_dob(rec.get("dob") or None, where=where),
                threshold=threshold,
                limit=top,
            )
            q.validate()
        except InvalidInput as exc:
            raise DataFileError(
                f"{exc.where}: {exc.message}" if exc.where != where else exc.message, where=where
            ) from None
        out.append(BatchQuery(ident, q))
    return out


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
