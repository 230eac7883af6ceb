"""List loaders: each official format into the one entity model, all or nothing.

``load(path, format=None)`` picks the loader from ``format`` or, when omitted, from the file
itself. Every loader either returns the complete list or raises ``DataFileError`` naming the
file and line; nothing is half-imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

from borderline.errors import InvalidInput
from borderline.files import existing_path
from borderline.screening.loaders._common import LoadedList, open_bytes
from borderline.screening.loaders.fcdo import load_fcdo_csv, load_fcdo_xml
from borderline.screening.loaders.ofac import load_ofac
from borderline.screening.loaders.ofac_xml import load_ofac_xml
from borderline.screening.loaders.other import load_eu_fsf, load_ftm
from borderline.screening.loaders.uk import load_uk_ofsi, load_uk_sl
from borderline.screening.loaders.un import load_un
from borderline.screening.loaders.us_trade import load_csl, load_dpl

Loader = Callable[..., LoadedList]
FORMATS: dict[str, Loader] = {
    "ofac_csv": load_ofac,
    "ofac_xml": load_ofac_xml,
    "un_xml": load_un,
    "uk_ofsi": load_uk_ofsi,
    "uk_sl": load_uk_sl,
    "fcdo_csv": load_fcdo_csv,
    "fcdo_xml": load_fcdo_xml,
    "csl": load_csl,
    "dpl": load_dpl,
    "eu_fsf": load_eu_fsf,
    "ftm": load_ftm,
}


def detect_format(path: Path) -> str:
    """Guess a list's format from its name and first bytes."""
    if path.is_dir():
        names = {p.name.lower() for p in path.iterdir()}
        if names & {"sdn.csv", "cons_prim.csv", "sdn.csv.gz", "cons_prim.csv.gz"}:
            return "ofac_csv"
        if {"subjects.csv", "subject_names.csv"} <= names:
            return "uk_sl"
        raise InvalidInput(
            "folder holds no sdn.csv or cons_prim.csv; pass --format", where=str(path)
        )
    low = path.name.lower().removesuffix(".gz")
    if low in ("sdn.csv", "cons_prim.csv"):
        return "ofac_csv"
    if low.endswith(".xlsx"):
        return "uk_ofsi"
    if low.endswith((".jsonl", ".json", ".ftm")):
        return "ftm"
    head = open_bytes(path)[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    if "<sdnList" in head:
        return "ofac_xml"
    if "<CONSOLIDATED_LIST" in head:
        return "un_xml"
    if "<Designations" in head:
        return "fcdo_xml"
    if "<export" in head:
        return "eu_fsf"
    if head.startswith("_id,source") or head.startswith('"_id","source"'):
        return "csl"
    if head.startswith('"Name"\t') or head.startswith("Name\tStreet_Address"):
        return "dpl"
    first = head.splitlines()[:2]
    if any("Unique ID" in ln and "Name 6" in ln for ln in first) or (
        first and first[0].strip('"').lower().startswith("report date")
    ):
        return "fcdo_csv"
    if "Name 6" in head.splitlines()[0] or (
        len(head.splitlines()) > 1 and "Name 6" in head.splitlines()[1]
    ):
        return "uk_ofsi"
    raise InvalidInput(
        f"cannot tell the list format; pass --format ({', '.join(FORMATS)})", where=str(path)
    )


def load(
    path: str | Path,
    format: str | None = None,
    *,
    list_name: str | None = None,
    published: date | None = None,
    **options: object,
) -> LoadedList:
    """Load one list file (or OFAC folder) completely; raise naming file and line otherwise."""
    p = existing_path(path)
    fmt = format or detect_format(p)
    loader = FORMATS.get(fmt)
    if loader is None:
        raise InvalidInput(
            f"unknown list format {fmt!r}; known: {', '.join(FORMATS)}", where="format"
        )
    loaded = loader(p, list_name=list_name, **options)
    if published is not None:
        loaded = dataclasses.replace(loaded, published=published)
    return loaded


__all__ = ["FORMATS", "LoadedList", "detect_format", "load"]
