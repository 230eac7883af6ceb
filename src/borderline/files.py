"""Opening a file a user named: one check that it exists, one YAML reader, the same errors
everywhere (``InvalidInput`` "no such file" naming the path, or "no such file or folder" from
``existing_path``; ``DataFileError`` for a file that is there but does not parse)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import DataFileError, InvalidInput


def existing_file(path: str | Path) -> Path:
    """``path`` as a ``Path``; an ``InvalidInput`` naming it when it is not a file."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(
            "is a folder; give one file" if p.is_dir() else "no such file", where=str(path)
        )
    return p


def existing_path(path: str | Path) -> Path:
    """``path`` as a ``Path``; an ``InvalidInput`` naming it when it is neither a file nor a
    folder (inputs that may be either: a list published as a folder of CSVs)."""
    p = Path(path)
    if not p.exists():
        raise InvalidInput("no such file or folder", where=str(path))
    return p


def load_yaml(path: str | Path) -> Any:
    """The YAML document in a file the user named (UTF-8)."""
    text = existing_file(path).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=str(path)) from None


def table_rows(
    rows: Iterable[list[str]], width: int, path: str | Path, *, skip_blank: bool = True
) -> Iterator[tuple[int, str, list[str]]]:
    """(index, ``path:line``, row) for each CSV data row after the header line (index counts
    from 0 and includes skipped blank rows); a row with more or fewer fields than the header's
    ``width`` is a ``DataFileError`` naming its line."""
    for n, row in enumerate(rows):
        where = f"{path}:{n + 2}"
        if skip_blank and not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise DataFileError(f"{len(row)} fields, header has {width}", where=where)
        yield n, where, row
