"""Fideslang data categories and data uses (CC BY 4.0, copied in privacy/data/fideslang)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from importlib import resources

from rapidfuzz import process

from borderline.errors import InvalidInput


@cache
def _keys(name: str) -> frozenset[str]:
    path = resources.files("borderline.privacy") / "data" / "fideslang" / name
    text = path.read_text(encoding="utf-8")
    return frozenset(r["fides_key"] for r in csv.DictReader(text.splitlines()) if r["fides_key"])


def categories() -> frozenset[str]:
    return _keys("data_categories.csv") - {"data_category"}


def data_uses() -> frozenset[str]:
    return _keys("data_uses.csv") - {"data_use"}


def within(key: str, prefix: str) -> bool:
    """``user.contact.email`` is within ``user.contact`` (and within itself)."""
    return key == prefix or key.startswith(prefix + ".")


def overlaps(key: str, prefixes: Iterable[str]) -> bool:
    """True when ``key`` and any prefix are on one branch: a broad input category ("user")
    may contain a narrow rule category, and a narrow input sits inside a broad rule."""
    return any(within(key, p) or within(p, key) for p in prefixes)


def check_category(key: str, where: str) -> str:
    if key not in categories():
        near = [m[0] for m in process.extract(key, sorted(categories()), limit=3)]
        raise InvalidInput(
            f"unknown fideslang data category {key!r}; did you mean {', '.join(near)}?",
            where=where,
        )
    return key


def check_use(key: str, where: str) -> str:
    if key not in data_uses():
        near = [m[0] for m in process.extract(key, sorted(data_uses()), limit=3)]
        raise InvalidInput(
            f"unknown fideslang data use {key!r}; did you mean {', '.join(near)}?", where=where
        )
    return key
